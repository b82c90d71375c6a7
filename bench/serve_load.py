#!/usr/bin/python3
"""bench/serve_load.py - a fixed-rate load on `opentrail serve` and its ACK latency.

  serve_load.py URL TOKEN BODY_NDJSON --rate EVENTS_PER_S --batch N --seconds S [--threads T]

Sends one batch of N events (the first N lines of BODY_NDJSON, no eventIDs)
every N/RATE seconds per the schedule, from T threads with keep-alive
connections. Latency is measured from each request's scheduled start to its
answer, so a slow server cannot hide behind a late client (no coordinated
omission). Prints sent, acknowledged, events/s, p50/p90/p99/max in ms.
"""
import http.client
import sys
import threading
import time
import urllib.parse


def main():
    a = sys.argv[1:]
    url, token, body_path = a[0], a[1], a[2]
    opt = lambda k, d: type(d)(a[a.index(k) + 1]) if k in a else d
    rate, batch, seconds, threads = opt("--rate", 10000.0), opt("--batch", 100), opt("--seconds", 20.0), opt("--threads", 8)
    lines = [l for l in open(body_path, "rb").read().split(b"\n") if l.strip()][:batch]
    body = b"\n".join(lines)
    batch = len(lines)
    interval = batch / rate
    u = urllib.parse.urlparse(url)
    start = time.monotonic() + 0.2
    total = int(seconds / interval)
    lat, bad = [], [0]
    lock = threading.Lock()
    nxt = [0]

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= total:
                break
            due = start + i * interval
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
            try:
                conn.request("POST", "/v1/events", body, {"Authorization": "Bearer " + token})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            t = time.monotonic() - due
            with lock:
                if ok:
                    lat.append(t)
                else:
                    bad[0] += 1

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - start
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")
    print("sent %d batches of %d, acknowledged %d, failed %d, %.0f events/s over %.1f s" %
          (total, batch, len(lat), bad[0], len(lat) * batch / wall, wall))
    print("ACK latency ms: p50 %.2f p90 %.2f p99 %.2f max %.2f" % (pct(0.50), pct(0.90), pct(0.99), pct(1.0) if lat else float("nan")))


if __name__ == "__main__":
    main()
