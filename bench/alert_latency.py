#!/usr/bin/python3
"""bench/alert_latency.py - alert latency of `opentrail serve`: from the ACK of
an alarm-worthy event to the signed webhook's arrival at a receiver.

  alert_latency.py URL TOKEN RECEIVER_PORT COUNT [--every-ms 100]

Starts an HTTP receiver on 127.0.0.1:RECEIVER_PORT (the webhook notifier's
target), then sends COUNT events named BenchAlarm0..BenchAlarm{COUNT-1} one
every EVERY_MS; each is matched by its own metric filter and alarm (the bench
config has one per name), so each produces exactly one notification. For each
event: latency = arrival of its notification - the moment its POST was
acknowledged (both time.time() on this machine). Background load comes from
elsewhere (serve_load.py). Prints count, missing, p50/p90/p99/max in ms.
"""
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse

arrived = {}
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        t = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
        try:
            ev = json.loads(body).get("event") or {}
            eid = ev.get("eventID")
        except ValueError:
            eid = None
        if eid:
            with lock:
                arrived.setdefault(eid, t)

    def log_message(self, *args):
        pass


def main():
    a = sys.argv[1:]
    url, token, port, count = a[0], a[1], int(a[2]), int(a[3])
    every = float(a[a.index("--every-ms") + 1]) / 1000 if "--every-ms" in a else 0.1
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    acked = {}
    start = time.time()
    for i in range(count):
        due = start + i * every
        d = due - time.time()
        if d > 0:
            time.sleep(d)
        eid = "bench-alarm-%d-%d" % (i, int(start))
        ev = {"eventVersion": "1.08", "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root",
              "accountId": "111122223333"}, "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "eventSource": "signin.amazonaws.com", "eventName": "BenchAlarm%d" % i, "awsRegion": "us-east-1",
              "sourceIPAddress": "203.0.113.7", "eventID": eid, "recipientAccountId": "111122223333",
              "eventType": "AwsApiCall", "eventCategory": "Management"}
        conn.request("POST", "/v1/events", json.dumps(ev), {"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        if r.status == 200:
            acked[eid] = time.time()
    deadline = time.time() + 10
    while time.time() < deadline:
        with lock:
            if all(e in arrived for e in acked):
                break
        time.sleep(0.05)
    srv.shutdown()
    lat = sorted((arrived[e] - t) * 1000 for e, t in acked.items() if e in arrived)
    missing = len(acked) - len(lat)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
    print("alarm-worthy events acknowledged %d, notifications arrived %d, missing %d" % (len(acked), len(lat), missing))
    print("ACK to webhook ms: p50 %.1f p90 %.1f p99 %.1f max %.1f" % (pct(0.5), pct(0.9), pct(0.99), pct(1.0)))
    sys.exit(1 if missing or not lat else 0)


if __name__ == "__main__":
    main()
