# opentrail - build, test, fuzz, bench.
#
#   make            optimised build: build/opentrail, build/libopentrail.a
#   make test       deps, ASan+UBSan build, every unit, corpus and CLI test
#   make test-full  opt-in: SSE-KMS, storage classes, object lock against a real Ceph RGW
#   make run        the main job: opentrail serve on 127.0.0.1:8080, data in ./var
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench      benchmarks beside the reference tools (docs/benchmarks.md)
#   make install PREFIX=/usr/local

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
FUZZ_SECONDS ?= 60
DATA_DIR ?= var

WARN    := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Werror
CPPFLAGS_ALL := -D_GNU_SOURCE -Iinclude -Isrc/lib -Isrc
LIBS    := -lpcre2-8 -ldeflate -lz -lpthread -lcrypto -ljansson -lfyaml -lcurl -lmicrohttpd
FUZZ_LIBS := -ljansson

LIB_SRC := $(sort $(wildcard src/lib/*/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c src/daemon/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
HDRS    := $(wildcard include/opentrail/*.h src/lib/*/*.h src/cli/*.h src/daemon/*.h)

# --- optimised build -------------------------------------------------------
REL_CFLAGS := $(WARN) -O2 -g -fvisibility=hidden -fno-plt
REL_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
REL_CLI_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CLI_SRC))

all: $(BUILD)/opentrail

# the built-in price book, compiled in (account); committed so the wildcard sees it
src/lib/account/pricebook_data.c: data/pricing/aws-us-east-1.json scripts/embed.sh
	scripts/embed.sh ot_pricebook_json $< >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS_ALL) $(REL_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libopentrail.a: $(REL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/opentrail: $(REL_CLI_OBJ) $(BUILD)/libopentrail.a
	$(CC) $(REL_CFLAGS) $(LDFLAGS) -o $@ $(REL_CLI_OBJ) $(BUILD)/libopentrail.a $(LIBS)

# --- test build: ASan + UBSan, allocation fail points -----------------------
T       := $(BUILD)/test
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
T_CFLAGS := $(WARN) -O1 -g $(SAN) -DOT_FAILPOINTS
T_OBJ   := $(patsubst src/%.c,$(T)/obj/%.o,$(LIB_SRC))
T_CLI_OBJ := $(patsubst src/%.c,$(T)/obj/%.o,$(CLI_SRC))
T_UNITS := $(patsubst tests/unit/%.c,$(T)/unit/%,$(UNIT_SRC))
T_FUZZ_REPLAY := $(patsubst fuzz/%.c,$(T)/fuzz/%,$(FUZZ_SRC))

$(T)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC [asan] $<"
	@$(CC) $(CPPFLAGS_ALL) $(T_CFLAGS) -c $< -o $@

$(T)/libopentrail.a: $(T_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(T)/opentrail: $(T_CLI_OBJ) $(T)/libopentrail.a
	$(CC) $(T_CFLAGS) -o $@ $(T_CLI_OBJ) $(T)/libopentrail.a $(LIBS)

$(T)/unit/%: tests/unit/%.c tests/unit/helpers.h $(T)/libopentrail.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(T_CFLAGS) -Wno-missing-prototypes -o $@ $< \
		$(T)/libopentrail.a -lcmocka $(LIBS)

# fuzz targets built with a replay main() so their corpora run in every test
$(T)/fuzz/%: fuzz/%.c fuzz/replay_main.c $(T)/libopentrail.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(T_CFLAGS) -Wno-missing-prototypes -o $@ $< fuzz/replay_main.c \
		$(T)/libopentrail.a $(LIBS) $(FUZZ_LIBS)

test-build: $(T)/opentrail $(T_UNITS) $(T_FUZZ_REPLAY) $(BUILD)/opentrail

deps:
	@scripts/deps.sh

test: deps
	$(MAKE) test-build
	tests/run.sh

# opt-in, not part of `make test`: what Swift lacks (SSE-KMS, storage classes,
# object lock) against a real Ceph RGW started on loopback (~14 s, Ceph packages)
test-full: deps
	@scripts/deps.sh --full
	$(MAKE) test-build
	@out=$$(mktemp); tests/full/test_ceph.sh | tee $$out; \
	p=$$(grep -c '^ok - ' $$out); f=$$(grep -c '^not ok - ' $$out); rm -f $$out; \
	echo "test-full: $$p passed, $$f failed"; [ $$f -eq 0 ] && [ $$p -gt 0 ]

# --- fuzzing (clang + libFuzzer) --------------------------------------------
F       := $(BUILD)/fuzz
F_CFLAGS := -std=c17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -DOT_FUZZING
F_OBJ   := $(patsubst src/%.c,$(F)/obj/%.o,$(LIB_SRC))
F_BINS  := $(patsubst fuzz/%.c,$(F)/%,$(FUZZ_SRC))

$(F)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS_ALL) $(F_CFLAGS) -c $< -o $@

$(F)/libopentrail.a: $(F_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(F)/%: fuzz/%.c $(F)/libopentrail.a
	clang $(CPPFLAGS_ALL) -std=c17 -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(F)/libopentrail.a $(LIBS) $(FUZZ_LIBS)

fuzz: deps $(F_BINS)
	scripts/fuzz.sh $(FUZZ_SECONDS) $(F_BINS)

# --- benchmarks --------------------------------------------------------------
bench: deps $(BUILD)/opentrail $(BUILD)/bench/inflate_floor $(BUILD)/bench/verify_floor
	bench/run.sh

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(WARN) -O2 -Wno-missing-prototypes -o $@ $< $(LIBS)

# --- the main job -------------------------------------------------------------
run: deps $(BUILD)/opentrail
	$(BUILD)/opentrail --data-dir $(DATA_DIR) serve

install: $(BUILD)/opentrail
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/opentrail
	install -m 0755 $(BUILD)/opentrail $(DESTDIR)$(PREFIX)/bin/opentrail
	install -m 0644 $(BUILD)/libopentrail.a $(DESTDIR)$(PREFIX)/lib/libopentrail.a
	install -m 0644 include/opentrail/*.h $(DESTDIR)$(PREFIX)/include/opentrail/

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(FUZZ_SRC) $(HDRS) fuzz/replay_main.c tests/unit/helpers.h $(wildcard bench/*.c)

lint:
	clang-format --dry-run -Werror $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(FUZZ_SRC) $(HDRS)
	cppcheck -q --error-exitcode=1 --enable=warning,portability --inline-suppr \
		-D_GNU_SOURCE -Iinclude -Isrc/lib -Isrc src/lib src/cli src/daemon

clean:
	rm -rf $(BUILD)

.PHONY: all test test-full test-build deps fuzz bench run install format lint clean
.SECONDARY:
