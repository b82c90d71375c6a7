#!/usr/bin/python3
"""fault_proxy.py - a tiny fault-injecting HTTP proxy in front of a real S3
server, for opentrail's retry tests (tests/cli/test_s3.sh). Written for this
repository; the only mock in the S3 tests, and only of failures: every request
that is not failed is forwarded byte for byte (Host header included, so SigV4
signatures made for the proxy's address still verify upstream).

usage: fault_proxy.py --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT
                      [--every N] [--lose-puts N] [--down-after N --down-for SECS] --log FILE

--every N        of each N requests, the first is answered 500 InternalError,
                 503 SlowDown or dropped without an answer (in turn)
--lose-puts N    of the other PUTs, every Nth is forwarded and its answer lost:
                 the server stored the object, the client never hears ("lost")
--down-after N   after N requests, drop every connection for SECS seconds
                 (the server "down" mid-run)
Each injected fault is one line in --log. Prints READY when listening.
"""
import argparse
import http.client
import http.server
import threading
import time

lock = threading.Lock()
state = {"n": 0, "puts": 0, "faults": 0, "down_until": 0.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--every", type=int, default=0)
    ap.add_argument("--lose-puts", type=int, default=0)
    ap.add_argument("--down-after", type=int, default=0)
    ap.add_argument("--down-for", type=float, default=0)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    uh, up = a.upstream.rsplit(":", 1)
    log = open(a.log, "a", buffering=1)

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def fault(self):
            with lock:
                state["n"] += 1
                n = state["n"]
                now = time.time()
                if a.down_after and n == a.down_after:
                    state["down_until"] = now + a.down_for
                if now < state["down_until"]:
                    state["faults"] += 1
                    return "down"
                if a.every and n % a.every == 1 % a.every:
                    state["faults"] += 1
                    return ("500", "503", "drop")[(n // a.every) % 3]
                if a.lose_puts and self.command == "PUT":
                    state["puts"] += 1
                    if state["puts"] % a.lose_puts == 0:
                        state["faults"] += 1
                        return "lost"
            return None

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            f = self.fault()
            if f is not None:
                log.write("%s %s %s\n" % (f, self.command, self.path))
            if f in ("drop", "down"):
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if f in ("500", "503"):
                code = "InternalError" if f == "500" else "SlowDown"
                x = ("<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>%s</Code>"
                     "<Message>injected by fault_proxy.py</Message></Error>" % code).encode()
                self.send_response(int(f))
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(x)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(x)
                return
            c = http.client.HTTPConnection(uh, int(up), timeout=60)
            c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                c.putheader(k, v)
            c.endheaders(body if body or length else None)
            r = c.getresponse()
            data = r.read()
            c.close()
            if f == "lost":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() in ("transfer-encoding", "connection", "content-length"):
                    continue
                self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length", r.getheader("Content-Length", "0"))
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    host, port = a.listen.rsplit(":", 1)
    srv = http.server.ThreadingHTTPServer((host, int(port)), H)
    srv.daemon_threads = True
    print("READY", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
