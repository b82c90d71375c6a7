#!/usr/bin/python3
"""tests/unit/sigv4_vectors.py DIR - write SigV4 test vectors signed by botocore
(the signer inside aws-cli and boto3) as raw HTTP requests, DIR/NN-name.http,
with access key x and secret y. test_capture.c runs this at test time and
checks that ot_auth_check() accepts every one. Shapes: JSON 1.1 and REST
bodies, query strings with spaces, unicode, repeated and unsorted names,
params encoded by botocore itself ('+' for spaces on the wire), paths with
encoded characters and dot segments, S3 with UNSIGNED-PAYLOAD and with a
signed x-amz-content-sha256, a session token, headers with runs of spaces."""
import os
import sys
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

out = sys.argv[1]
creds = Credentials("x", "y")
VECTORS = [
    # name, auth class, service, method, url, params, headers, body, token
    ("cloudtrail-json11", SigV4Auth, "cloudtrail", "POST", "http://127.0.0.1:18555/", None,
     {"Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"},
     b'{"MaxResults": 5}', None),
    ("putauditevents", SigV4Auth, "cloudtrail-data", "POST",
     "http://127.0.0.1:18555/PutAuditEvents?channelArn=arn%3Aaws%3Acloudtrail%3Aus-east-1%3A"
     "123456789012%3Achannel%2F01234567-89ab&externalId=ext-1", None,
     {"Content-Type": "application/json"},
     b'{"auditEvents":[{"id":"a1","eventData":"{}"}]}', None),
    ("query-sorted-unicode", SigV4Auth, "cloudtrail", "GET",
     "http://127.0.0.1:18555/v1/events?b=2&a=%C3%A9t%C3%A9&a=1&c=x%20y&d=&e~=-_.", None, {}, b"",
     None),
    ("query-params-plus", SigV4Auth, "cloudtrail", "GET", "http://127.0.0.1:18555/v1/events",
     {"q": "a b+c", "z": "/", "m": "\u00fc"}, {}, b"", None),
    ("path-encoded", SigV4Auth, "cloudtrail", "GET",
     "http://127.0.0.1:18555/a%20b/./c%2Fd//e/../f~g%2B/", None, {}, b"", None),
    ("s3-unsigned", S3SigV4Auth, "s3", "PUT", "https://127.0.0.1:18556/bucket/key%20name",
     None, {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, b"hello", None),
    ("s3-sha256", S3SigV4Auth, "s3", "PUT", "http://127.0.0.1:18555/bucket/a/b.json.gz",
     None, {}, b"payload bytes", None),
    ("security-token", SigV4Auth, "cloudtrail-data", "POST",
     "http://127.0.0.1:18555/PutAuditEvents?channelArn=c", None,
     {"Content-Type": "application/json"}, b'{"auditEvents":[]}', "FQoGZXIvYXdzEXAMPLE"),
    ("header-spaces", SigV4Auth, "cloudtrail", "POST", "http://127.0.0.1:18555/",
     None, {"X-Custom": "  a   b\tc  ", "Content-Type": "application/json"}, b"{}", None),
]

for i, (name, cls, service, method, url, params, headers, body, token) in enumerate(VECTORS):
    req = AWSRequest(method=method, url=url, params=params, headers=dict(headers), data=body)
    c = Credentials("x", "y", token) if token else creds
    if cls is S3SigV4Auth and headers.get("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD":
        del req.headers["X-Amz-Content-SHA256"]  # botocore sets it from its own choice:
        req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    cls(c, service, "us-east-1").add_auth(req)
    p = req.prepare()
    parts = urlsplit(p.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = ["%s %s HTTP/1.1" % (method, target)]
    have = {k.lower() for k in p.headers.keys()}
    if "host" not in have:
        lines.append("Host: %s" % parts.netloc)
    for k, v in p.headers.items():
        lines.append("%s: %s" % (k, v.decode() if isinstance(v, bytes) else v))
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + (p.body or b"")
    with open(os.path.join(out, "%02d-%s.http" % (i, name)), "wb") as f:
        f.write(raw)
