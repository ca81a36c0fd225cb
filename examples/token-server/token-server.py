#!/usr/bin/env python3
# gst-sandra: a minimal backend that mints OpenAI Realtime client secrets
# Copyright (C) 2026 gst-sandra contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mint ephemeral OpenAI Realtime client secrets for devices.

A device running `openairealtime token-url=http://HOST:PORT/token` never
holds the account key: before every connection it POSTs the session it
wants here, and this server asks OpenAI for a short-lived secret
(`POST {base}/realtime/client_secrets` on GA, `{base}/realtime/sessions` on
beta) with the account key, and returns OpenAI's answer unchanged
(`{"value": "ek_...", "expires_at": ..., "session": {...}}`).

The owner stays in control of what a device may ask for: with --session
FILE the session in FILE is used whatever the device sends (instructions,
tools and model set by the owner), and with --device-token TOKEN devices
must present `Authorization: Bearer TOKEN`.

Standard library only. Run against the local emulator with
`OPENAI_BASE_URL=http://127.0.0.1:8089/v1 OPENAI_API_KEY=sk-local`.
"""

import argparse
import http.server
import json
import os
import sys
import urllib.error
import urllib.request

GA_PATH = "/realtime/client_secrets"
BETA_PATH = "/realtime/sessions"
MAX_BODY = 64 * 1024


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8090,
                   help="port (0 picks a free one; default 8090)")
    p.add_argument("--base-url",
                   default=os.environ.get("OPENAI_BASE_URL",
                                          "https://api.openai.com/v1"),
                   help="OpenAI API base URL (default: $OPENAI_BASE_URL or "
                        "the public API)")
    p.add_argument("--api", choices=("ga", "beta"), default="ga",
                   help="interface the devices use (default ga)")
    p.add_argument("--session", metavar="FILE",
                   help="JSON request body to use instead of the device's")
    p.add_argument("--expires-s", type=int, default=600,
                   help="secret lifetime in seconds, 10..7200 (GA; default 600)")
    p.add_argument("--device-token",
                   default=os.environ.get("SANDRA_DEVICE_TOKEN"),
                   help="require this bearer token from devices "
                        "(default: $SANDRA_DEVICE_TOKEN, none if unset)")
    return p.parse_args()


class Minter(http.server.BaseHTTPRequestHandler):
    server_version = "sandra-token-server/1"
    args = None
    account_key = None
    fixed_body = None

    def log_message(self, fmt, *a):
        # One line per request on stderr; never headers (they hold tokens).
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % a))

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message):
        self.reply(status, {"error": {"message": message,
                                      "type": "invalid_request_error"}})

    def device_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request too large")
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    def do_POST(self):
        if self.path.split("?")[0] != "/token":
            return self.error(404, "POST /token")
        if self.args.device_token:
            if self.headers.get("Authorization") != \
                    "Bearer " + self.args.device_token:
                return self.error(401, "unknown device")
        try:
            body = self.device_body()
        except ValueError as e:
            return self.error(400, str(e))
        if self.fixed_body is not None:
            body = json.loads(json.dumps(self.fixed_body))
        if self.args.api == "ga":
            body.setdefault("session", {"type": "realtime"})
            body["expires_after"] = {"anchor": "created_at",
                                     "seconds": self.args.expires_s}
            path = GA_PATH
        else:
            path = BETA_PATH

        req = urllib.request.Request(
            self.args.base_url.rstrip("/") + path,
            data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + self.account_key,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return self.reply(r.status, r.read())
        except urllib.error.HTTPError as e:
            # OpenAI's own error (a bad session, quota): the device learns
            # why, the key stays here.
            return self.reply(e.code, e.read())
        except (urllib.error.URLError, OSError) as e:
            return self.error(502, "OpenAI unreachable: %s" % e)


def main():
    args = parse_args()
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        sys.exit("OPENAI_API_KEY is not set")
    Minter.args = args
    Minter.account_key = key
    if args.session:
        with open(args.session) as f:
            Minter.fixed_body = json.load(f)
    httpd = http.server.ThreadingHTTPServer((args.host, args.port), Minter)
    print("token server listening on http://%s:%d/token"
          % (args.host, httpd.server_address[1]), flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
