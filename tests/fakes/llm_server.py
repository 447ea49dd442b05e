#!/usr/bin/env python3
"""A stand-in for an OpenAI-compatible LLM server, for sprout's tests.

Listens on 127.0.0.1 only, on a free port it writes to --port-file, until
killed. Answers:
  POST /v1/embeddings   deterministic vectors: lowercase words hashed into 64
                        dimensions, so texts sharing words are close
Faults, to test clients: --fail N answers the first N requests with
--fail-code (default 500); --slow MS waits before each answer. --log FILE
gets one line per request: the path and the number of inputs.
"""
import argparse
import hashlib
import json
import math
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIM = 64


def embed(text):
    v = [0.0] * DIM
    for w in re.findall(r"[a-z0-9']+", text.lower()):
        h = hashlib.sha1(w.encode()).digest()
        v[h[0] % DIM] += 1.0
        v[h[1] % DIM] += 0.5
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [round(x / n, 6) for x in v]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        srv = self.server
        srv.count += 1
        try:
            req = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": {"message": "body is not JSON"}})
        inputs = req.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        if srv.log:
            with open(srv.log, "a") as f:
                f.write("%s %d\n" % (self.path, len(inputs)))
        if srv.slow:
            time.sleep(srv.slow / 1000.0)
        if srv.count <= srv.fail:
            return self.reply(srv.fail_code, {"error": {"message": "injected failure"}})
        if self.path == "/v1/embeddings":
            data = [{"object": "embedding", "index": i, "embedding": embed(t)} for i, t in enumerate(inputs)]
            return self.reply(200, {"object": "list", "data": data, "model": req.get("model", "")})
        return self.reply(404, {"error": {"message": "no such endpoint: " + self.path}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-code", type=int, default=500)
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.count, srv.fail, srv.fail_code, srv.slow, srv.log = 0, a.fail, a.fail_code, a.slow, a.log
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os

    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
