#!/usr/bin/python3
"""Clients of `opentrail serve` for the tests, built on real AWS client code.

  put-audit-events URL AKID SECRET FILE [--bad-checksum N] [--region R]
      Sends the records of FILE (NDJSON) as a CloudTrail Data PutAuditEvents
      call, SigV4-signed by botocore (service cloudtrail-data), and prints
      the answer. Debian's boto3 1.26.27 predates the cloudtrail-data client,
      so the request is built by hand and signed with botocore.auth.SigV4Auth,
      the signer every boto3 client uses.
  post-loop URL TOKEN OUT_ACKED STOP_FILE [--batch N]
      Posts batches of fresh records (client-chosen eventIDs) until STOP_FILE
      exists, retrying a batch that got no answer with the same eventIDs, and
      appends the eventIDs of every acknowledged batch to OUT_ACKED.
  replay URL AKID SECRET FILE
      One SigV4-signed POST /v1/events of FILE, sent twice byte for byte;
      prints each answer's status and body.
"""
import json
import hashlib
import os
import sys
import time
import uuid
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def put_audit_events(url, akid, secret, path, bad_checksum=-1, region="us-east-1"):
    events = []
    with open(path) as f:
        for i, line in enumerate(l for l in f if l.strip()):
            data = line.strip()
            ev = {"id": "ev-%d" % i, "eventData": data,
                  "eventDataChecksum": hashlib.sha256(data.encode()).hexdigest()}
            if i == bad_checksum:
                ev["eventDataChecksum"] = "0" * 64
            events.append(ev)
    body = json.dumps({"auditEvents": events}).encode()
    full = url + "/PutAuditEvents?channelArn=" + urllib.request.quote(
        "arn:aws:cloudtrail:%s:111122223333:channel/01234567-test" % region, safe="")
    req = AWSRequest(method="POST", url=full, data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(akid, secret), "cloudtrail-data", region).add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=body, method="POST",
                               headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            print(resp.status)
            print(resp.read().decode())
    except urllib.error.HTTPError as e:
        print(e.code)
        print(e.read().decode())


def replay(url, akid, secret, path):
    """One SigV4-signed POST /v1/events, sent twice byte for byte (a retry
    after a lost answer, or a captured request replayed)."""
    body = open(path, "rb").read()
    req = AWSRequest(method="POST", url=url + "/v1/events", data=body,
                     headers={"Content-Type": "application/x-ndjson"})
    SigV4Auth(Credentials(akid, secret), "cloudtrail-data", "us-east-1").add_auth(req)
    prepared = req.prepare()
    for _ in range(2):
        r = urllib.request.Request(prepared.url, data=body, method="POST",
                                   headers=dict(prepared.headers.items()))
        try:
            with urllib.request.urlopen(r, timeout=10) as resp:
                print(resp.status, resp.read().decode().strip())
        except urllib.error.HTTPError as e:
            print(e.code, e.read().decode().strip())


def record(event_id, n):
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                         "arn": "arn:aws:iam::111122223333:user/loadgen",
                         "accountId": "111122223333", "userName": "loadgen"},
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
        "userAgent": "opentrail-test/1.0", "requestParameters": {"n": n},
        "responseElements": None, "requestID": str(uuid.uuid4()),
        "eventID": event_id, "readOnly": True, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": "111122223333",
        "eventCategory": "Management",
    }


def post_loop(url, token, out_acked, stop_file, batch=50):
    n = 0
    pending = None
    acked = open(out_acked, "a")
    while not os.path.exists(stop_file):
        if pending is None:
            ids = [str(uuid.uuid4()) for _ in range(batch)]
            pending = (ids, "\n".join(json.dumps(record(i, n + k)) for k, i in enumerate(ids)))
            n += batch
        ids, body = pending
        r = urllib.request.Request(url + "/v1/events", data=body.encode(), method="POST",
                                   headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(r, timeout=5) as resp:
                ans = json.loads(resp.read())
                if resp.status == 200 and ans.get("accepted") == len(ids):
                    acked.write("\n".join(ids) + "\n")
                    acked.flush()
                    pending = None
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            time.sleep(0.05)  # the daemon is down: retry the same batch, same eventIDs
    acked.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "put-audit-events":
        bad = int(a[a.index("--bad-checksum") + 1]) if "--bad-checksum" in a else -1
        region = a[a.index("--region") + 1] if "--region" in a else "us-east-1"
        put_audit_events(a[1], a[2], a[3], a[4], bad, region)
    elif a[0] == "replay":
        replay(a[1], a[2], a[3], a[4])
    elif a[0] == "post-loop":
        b = int(a[a.index("--batch") + 1]) if "--batch" in a else 50
        post_loop(a[1], a[2], a[3], a[4], b)
    else:
        sys.exit("unknown command " + a[0])
