-- bench/post.lua - wrk: POST one batch of events (NDJSON, no eventIDs, so the
-- daemon assigns each a fresh one) over and over; the body file and the token
-- come from the environment.
local f = assert(io.open(os.getenv("OT_BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("OT_BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/x-ndjson"

local bad = 0
response = function(status, headers, body)
    if status ~= 200 then
        bad = bad + 1
    end
end

done = function(summary, latency, requests)
    io.write(string.format("non-200 answers: %d\n", bad))
    io.write(string.format("latency p50 %.2f ms p99 %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
