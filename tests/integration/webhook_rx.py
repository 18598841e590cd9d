#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# webhook_rx.py - a webhook receiver for the alert tests: checks each POST's X-Xpool-Signature
# (HMAC-SHA256 of the body under the secret in SECRET_FILE, read per request) and appends
# "ok BODY" or "bad-signature BODY" to LOG. python3 webhook_rx.py ADDR PORT SECRET_FILE LOG
import hashlib
import hmac
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

addr, port, secret_file, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


class Rx(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(secret_file, "rb") as f:
            secret = f.read().strip()
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Xpool-Signature", "")
        verdict = "ok" if hmac.compare_digest(want, got) else "bad-signature"
        with open(log, "a") as f:
            f.write("%s %s\n" % (verdict, body.decode()))
        self.send_response(204 if verdict == "ok" else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer((addr, port), Rx).serve_forever()
