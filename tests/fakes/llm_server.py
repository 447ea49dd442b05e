#!/usr/bin/env python3
"""A stand-in for the LLM servers sprout talks to, for sprout's tests.

Python 3 standard library only. Listens on 127.0.0.1 only, on a free port it
writes to --port-file (written whole: a temporary file renamed into place),
until SIGTERM (or SIGINT). HTTP/1.1 with keep-alive: every answer carries a
Content-Length, and each connection gets its own thread, so a client can
reuse connections and concurrent requests are served concurrently.

  tests/fakes/llm_server.py --port-file FILE [options]

Endpoints (POST only; any other path is 404, any other method 405 on a known
path and 404 elsewhere; a body that is not JSON is 400):

  /v1/embeddings
      {"input": TEXT or [TEXT...], "model": M} -> {"object": "list",
      "data": [{"object": "embedding", "index": I, "embedding": VECTOR}],
      "model": M}. Deterministic vectors: lowercase words hashed into 64
      dimensions, so texts sharing words are close.

  /v1/completions  (OpenAI, a raw completion)
      {"model", "prompt": TEXT, "max_tokens"?, "temperature"?, "seed"?,
      "stop"?: [TEXT...]} -> 200 {"id": "cmpl-<n>", "object":
      "text_completion", "model": MODEL, "choices": [{"index": 0, "text":
      T, "finish_reason": "stop"}], "usage": {...}} where T is 8 words
      picked by sha1(model, temperature, seed, prompt) from a list of
      banking words, capitalised, with "?" (a user's question), cut before
      the first "stop" string it holds. Rules apply, matched on the prompt
      (only "status", "content" and "finish" act).

  /v1/chat/completions  (OpenAI)
      {"model", "messages": [{"role", "content"}], "temperature"?, "top_p"?,
      "max_tokens"?, "seed"?, "response_format"?} -> 200
      {"id": "chatcmpl-<n>", "object": "chat.completion", "model": MODEL,
       "choices": [{"index": 0, "message": {"role": "assistant",
       "content": CONTENT}, "finish_reason": "stop"}],
       "usage": {"prompt_tokens": P, "completion_tokens": C,
       "total_tokens": P+C}}
      "model" must be a string and "messages" a non-empty array (else 400).

  /v1/messages  (Anthropic)
      Headers: "anthropic-version" is required (400 without it); "x-api-key"
      only with --require-key. Body {"model", "max_tokens", "system"?,
      "messages": [{"role", "content": STRING or [{"type": "text",
      "text"}...]}], "temperature"?, "top_p"?, "tools"?, "tool_choice"?}.
      "model" must be a string, "max_tokens" an integer and "messages" a
      non-empty array (else 400). -> 200
      {"id": "msg_<n>", "type": "message", "role": "assistant",
       "model": MODEL, "content": [BLOCK], "stop_reason": R,
       "usage": {"input_tokens": P, "output_tokens": C}}
      where BLOCK is {"type": "tool_use", "id": "toolu_<n>", "name": X,
      "input": OBJ} and R "tool_use" when "tool_choice" is {"type": "tool",
      "name": X} and "tools" holds a tool named X; otherwise BLOCK is
      {"type": "text", "text": CONTENT} and R "end_turn".

  <n> is the request's sequence number among chat/messages requests.

Deterministic answers. Let h be the first 8 hex digits of
sha1(MODEL + "\\n" + T + "\\n" + U), where T is "temperature" exactly as the
request spelled the number ("0.7", "1", "1.0"; "" when absent or null) and
U the text of the last message whose role is "user" ("" if none). The text
of a content that is a list of parts is their "text" fields joined by "\\n".
  - The items rule. A schema S qualifies when S["properties"]["items"] is an
    array schema (type "array" or no type) whose "items" is a schema with
    "properties". The answer is compact JSON {"items": [ITEM...]}, with
    S.properties.items.minItems items (default 1); item i (from 1) has every
    property of the item schema, in the schema's order, each the string
    "<prop> <h> <i>", whatever type the schema asks for.
  - OpenAI: with "response_format": {"type": "json_schema", "json_schema":
    {"name": .., "schema": S}} and S qualifying, CONTENT is the items JSON.
    Otherwise CONTENT is "echo <h>: " + the first 60 characters of U.
  - Anthropic tool_use: OBJ is the items object built from the tool's
    "input_schema"; a schema that does not qualify gives an object with
    each of its own properties set to "<prop> <h> 1" ({} if it has none).
    Text answers: CONTENT is the echo line above.
  - P counts whitespace-separated words over the text of every message
    (and, for Anthropic, of "system"); C counts the words of CONTENT (for
    tool_use, of OBJ as compact JSON).

Options:
  --port-file FILE  where to write the port (required)
  --fail N          answer the first N requests, counting every POST to a
                    known endpoint, embeddings and chat alike, with
                    --fail-code (default 500) and a JSON error object
  --slow MS         wait MS milliseconds before every answer
  --log FILE        append one line per request, flushed before answering:
                    embeddings: "PATH N\\n", N the number of inputs (only
                    for bodies that are JSON); chat/messages: one JSON
                    object with sorted keys, compact, for every request
                    received: {"body": the parsed request JSON, "headers":
                    {..}, "n": sequence number, "path": PATH} (and "query":
                    the text after "?" when the URL has one). "headers"
                    holds, with lowercase names, only authorization,
                    x-api-key, anthropic-version, content-type and the
                    names starting "x-"; authorization and x-api-key values
                    read "<redacted len N>" (N the length of the whole
                    value). A body that is not JSON logs as "body": null
                    plus "raw": its text.
  --require-key KEY /v1/messages then wants "x-api-key: KEY" and
                    /v1/chat/completions "Authorization: Bearer KEY"; a
                    missing or different key is 401. Embeddings never ask.
  --script FILE     rules for chat/messages requests, one JSON object a line
                    (blank lines and lines starting "#" are skipped), see
                    below. A bad rule stops the server at start, exit 2.

Order of checks for a chat/messages request: the sequence number and the log
line; a body that is not JSON (400); a missing field (400); the key (401);
anthropic-version (400); --slow; --fail; the script; the answer. A request
answered before the script is reached uses up no rule.

Rules (--script). Each request tries the rules in file order; the first that
matches and is not used up applies, and no later rule is looked at.
Conditions, all optional, all must hold:
  "match": REGEX    Python re.search in U, the last user message's text
  "path": PATH      the exact request path, "/v1/messages" say
  "structured": B   the request asks for structured output ("response_format"
                    or "tools" in its body) when B is true, does not when false
  "system": B       the request has a system message (a "system" role in
                    "messages", or Anthropic's "system") when B is true
  "nth": N          the request's sequence number among chat/messages
                    requests is N (counted from 1, every request counts)
  "times": N        the rule applies to N requests, then is used up
                    (default 1; 0: never used up)
Actions; "delay_ms" goes with any other, and at most one of the rest, except
that "content" also goes with "truncate" or "slow_stream_ms". A rule with
no action answers normally (and still stops the search).
  "delay_ms": D           wait D ms, then act (after --slow)
  "status": CODE          answer CODE with a JSON error object shaped like
                          the endpoint's, or with
  "body": TEXT            exactly TEXT (Content-Type application/json when
                          TEXT parses as JSON, text/plain otherwise)
  "retry_after": TEXT     with "status": a Retry-After header, verbatim
  "reset": true           read the request, send nothing, and abort the
                          connection (RST): the client sees "connection
                          reset by peer"
  "close": true           the same with an orderly close (FIN): the client
                          sees an empty reply
  "finish": TEXT          answer 200 as usual but with finish_reason (OpenAI) or
                          stop_reason (Anthropic) TEXT, e.g. "length"
  "content": TEXT         answer 200 as usual but with CONTENT = TEXT (for
                          Anthropic a text block, tools or not)
  "malformed_body": true  200 with a body that is not JSON: '{"choices": ['
                          (OpenAI) or '{"content": [' (Anthropic)
  "truncate": true        200 announcing the whole body's Content-Length but
                          sending only its first half, then closing
  "slow_stream_ms": D     the usual answer, the headers at once and the body
                          in 4 pieces with D ms between them
A client that reuses a connection may resend a request silently when the
reused connection closes without an answer (libcurl does, once), and the
resent request has the next sequence number: a "reset" or "close" rule meant
to be seen by such a client should have "times": 2 and no "nth".
"""
import argparse
import hashlib
import json
import math
import os
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIM = 64
QUERY_WORDS = ("how", "can", "card", "refund", "transfer", "fee", "account", "abroad", "pin",
               "cash", "limit", "why", "blocked", "exchange", "rate", "top-up", "statement",
               "dispute", "payment", "pending", "cancel", "change", "address", "phone", "app",
               "verify", "identity", "freeze", "replace", "lost", "stolen", "charge", "salary",
               "savings", "interest", "loan", "direct", "debit", "contactless", "wallet")
CHAT_PATHS = ("/v1/chat/completions", "/v1/messages", "/v1/completions")
KNOWN_PATHS = ("/v1/embeddings",) + CHAT_PATHS
LOG_HEADERS = ("authorization", "x-api-key", "anthropic-version", "content-type")
SECRET_HEADERS = ("authorization", "x-api-key")
ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
OPENAI_ERRORS = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    429: "rate_limit_exceeded",
}
RULE_KEYS = {
    "match": str,
    "path": str,
    "nth": int,
    "structured": bool,
    "system": bool,
    "times": int,
    "delay_ms": (int, float),
    "status": int,
    "body": str,
    "retry_after": (str, int, float),
    "reset": bool,
    "close": bool,
    "content": str,
    "finish": str,
    "malformed_body": bool,
    "truncate": bool,
    "slow_stream_ms": (int, float),
}


def embed(text):
    v = [0.0] * DIM
    for w in re.findall(r"[a-z0-9']+", text.lower()):
        h = hashlib.sha1(w.encode()).digest()
        v[h[0] % DIM] += 1.0
        v[h[1] % DIM] += 0.5
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [round(x / n, 6) for x in v]


class Rule:
    def __init__(self, lineno, obj):
        self.lineno = lineno
        self.obj = obj
        self.left = obj.get("times", 1) or None  # None: never used up
        self.regex = re.compile(obj["match"]) if "match" in obj else None

    def matches(self, path, seq, text, structured, system):
        o = self.obj
        if self.left == 0:
            return False
        if "structured" in o and o["structured"] != structured:
            return False
        if "system" in o and o["system"] != system:
            return False
        if "path" in o and o["path"] != path:
            return False
        if "nth" in o and o["nth"] != seq:
            return False
        if self.regex is not None and not self.regex.search(text):
            return False
        return True


def load_rules(name):
    """The rules of a --script file; raises ValueError naming the bad line."""
    rules = []
    with open(name, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = "%s:%d" % (name, lineno)
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise ValueError("%s: not JSON: %s" % (where, e))
            if not isinstance(obj, dict):
                raise ValueError("%s: a rule is a JSON object" % where)
            for k, v in obj.items():
                if k not in RULE_KEYS:
                    raise ValueError("%s: unknown key '%s'" % (where, k))
                want = RULE_KEYS[k]
                if isinstance(v, bool) and want is not bool:
                    raise ValueError("%s: '%s' has the wrong type" % (where, k))
                if not isinstance(v, want):
                    raise ValueError("%s: '%s' has the wrong type" % (where, k))
            for k in ("times", "nth", "delay_ms", "slow_stream_ms"):
                if k in obj and obj[k] < 0:
                    raise ValueError("%s: '%s' is negative" % (where, k))
            terminal = [k for k in ("status", "reset", "close", "malformed_body") if obj.get(k)]
            normal = [k for k in ("content", "truncate", "slow_stream_ms") if k in obj and obj[k] is not False]
            delivery = [k for k in ("truncate", "slow_stream_ms") if k in obj and obj[k] is not False]
            if len(terminal) > 1 or (terminal and normal) or len(delivery) > 1:
                raise ValueError("%s: actions %s do not go together" % (where, ", ".join(terminal + normal)))
            for k in ("body", "retry_after"):
                if k in obj and "status" not in obj:
                    raise ValueError("%s: '%s' goes with 'status'" % (where, k))
            if "match" in obj:
                try:
                    re.compile(obj["match"])
                except re.error as e:
                    raise ValueError("%s: bad regex: %s" % (where, e))
            rules.append(Rule(lineno, obj))
    return rules


def text_of(content):
    """The text of a message content: a string, or the "text" of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def last_user_text(messages):
    for m in reversed(messages):
        if isinstance(m, dict) and m.get("role") == "user":
            return text_of(m.get("content"))
    return ""


def words(text):
    return len(text.split())


def temperature_as_given(raw):
    """The request's "temperature" spelled as in the request ("" if absent)."""
    try:
        req = json.loads(raw, parse_float=str, parse_int=str)
    except ValueError:
        return ""
    t = req.get("temperature") if isinstance(req, dict) else None
    if t is None:
        return ""
    if isinstance(t, bool):
        return "true" if t else "false"
    if isinstance(t, str):
        return t
    return json.dumps(t, separators=(",", ":"))


def items_object(schema, h):
    """The items answer for a qualifying schema, else None."""
    if not isinstance(schema, dict):
        return None
    props = schema.get("properties")
    arr = props.get("items") if isinstance(props, dict) else None
    if not isinstance(arr, dict) or arr.get("type", "array") != "array":
        return None
    item = arr.get("items")
    iprops = item.get("properties") if isinstance(item, dict) else None
    if not isinstance(iprops, dict):
        return None
    n = arr.get("minItems", 1)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        n = 1
    return {"items": [{p: "%s %s %d" % (p, h, i) for p in iprops} for i in range(1, n + 1)]}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that gave up (timeout, reset) is part of the tests: quiet.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    # -- sending

    def send_raw(self, code, body, ctype="application/json", headers=(), length=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def reply(self, code, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_raw(code, body, headers=headers)
        self.wfile.write(body)

    def error(self, code, message, headers=()):
        path = self.path.split("?", 1)[0]
        if path == "/v1/messages":
            etype = ANTHROPIC_ERRORS.get(code, "api_error")
            obj = {"type": "error", "error": {"type": etype, "message": message}}
        elif path in ("/v1/chat/completions", "/v1/completions"):
            etype = OPENAI_ERRORS.get(code, "server_error")
            obj = {"error": {"message": message, "type": etype, "code": None}}
        else:
            obj = {"error": {"message": message}}
        self.reply(code, obj, headers)

    def abort(self, reset):
        """Send nothing and end the connection: RST if reset, else FIN."""
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        else:
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- receiving

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))

    def other_method(self):
        self.read_body()
        path = self.path.split("?", 1)[0]
        if path in KNOWN_PATHS:
            return self.error(405, "method %s not allowed on %s" % (self.command, path), [("Allow", "POST")])
        return self.error(404, "no such endpoint: " + path)

    do_GET = do_PUT = do_DELETE = do_PATCH = other_method

    def do_POST(self):
        raw = self.read_body()
        path = self.path.split("?", 1)[0]
        if path == "/v1/embeddings":
            return self.embeddings(raw)
        if path in CHAT_PATHS:
            return self.chat(raw, path)
        return self.error(404, "no such endpoint: " + path)

    def embeddings(self, raw):
        srv = self.server
        with srv.lock:
            srv.count += 1
            count = srv.count
        try:
            req = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": {"message": "body is not JSON"}})
        inputs = req.get("input", []) if isinstance(req, dict) else []
        if isinstance(inputs, str):
            inputs = [inputs]
        srv.write_log("%s %d\n" % (self.path, len(inputs)))
        if srv.slow:
            time.sleep(srv.slow / 1000.0)
        if count <= srv.fail:
            return self.reply(srv.fail_code, {"error": {"message": "injected failure"}})
        data = [{"object": "embedding", "index": i, "embedding": embed(t)} for i, t in enumerate(inputs)]
        return self.reply(200, {"object": "list", "data": data, "model": req.get("model", "")})

    def logged_headers(self):
        out = {}
        for name in set(k.lower() for k in self.headers.keys()):
            if name not in LOG_HEADERS and not name.startswith("x-"):
                continue
            value = ", ".join(self.headers.get_all(name))
            if name in SECRET_HEADERS:
                value = "<redacted len %d>" % len(value)
            out[name] = value
        return out

    def chat(self, raw, path):
        srv = self.server
        anthropic = path == "/v1/messages"
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
            bad_json = True
        else:
            bad_json = False
        entry = {"path": path, "headers": self.logged_headers(), "body": req}
        if "?" in self.path:
            entry["query"] = self.path.split("?", 1)[1]
        if bad_json:
            entry["raw"] = raw.decode("utf-8", "replace")
        with srv.lock:
            srv.count += 1
            count = srv.count
            srv.chat_count += 1
            seq = srv.chat_count
            entry["n"] = seq
            srv.write_log(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
        if bad_json:
            return self.error(400, "body is not JSON")
        problem = self.check_fields(req, anthropic)
        if problem:
            return self.error(400, problem)
        if srv.key is not None:
            if anthropic:
                got, want = self.headers.get("x-api-key"), srv.key
            else:
                got, want = self.headers.get("Authorization"), "Bearer " + srv.key
            if got != want:
                return self.error(401, "invalid x-api-key" if anthropic else "Incorrect API key provided")
        if anthropic and not self.headers.get("anthropic-version"):
            return self.error(400, "anthropic-version: header is required")
        if srv.slow:
            time.sleep(srv.slow / 1000.0)
        if count <= srv.fail:
            return self.error(srv.fail_code, "injected failure")

        if path == "/v1/completions":
            return self.completion(req, seq)
        messages = req["messages"]
        user = last_user_text(messages)
        structured = "response_format" in req or "tools" in req
        system = "system" in req or any(isinstance(m, dict) and m.get("role") == "system" for m in messages)
        rule = srv.pick_rule(path, seq, user, structured, system)
        act = rule.obj if rule else {}
        if act.get("delay_ms"):
            time.sleep(act["delay_ms"] / 1000.0)
        if act.get("reset") or act.get("close"):
            return self.abort(bool(act.get("reset")))
        if "status" in act:
            headers = [("Retry-After", str(act["retry_after"]))] if "retry_after" in act else []
            if "body" not in act:
                return self.error(act["status"], "scripted status %d (rule at line %d)" % (act["status"], rule.lineno), headers)
            body = act["body"].encode()
            try:
                json.loads(body)
                ctype = "application/json"
            except ValueError:
                ctype = "text/plain; charset=utf-8"
            self.send_raw(act["status"], body, ctype, headers)
            return self.wfile.write(body)
        if act.get("malformed_body"):
            body = b'{"content": [' if anthropic else b'{"choices": ['
            self.send_raw(200, body)
            return self.wfile.write(body)

        model = req["model"]
        h = hashlib.sha1(("%s\n%s\n%s" % (model, temperature_as_given(raw), user)).encode()).hexdigest()[:8]
        echo = "echo %s: %s" % (h, user[:60])
        if anthropic:
            prompt = words(text_of(req.get("system"))) + sum(words(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
            tool = self.forced_tool(req)
            if tool is not None and "content" not in act:
                schema = tool.get("input_schema")
                obj = items_object(schema, h)
                if obj is None:
                    props = schema.get("properties") if isinstance(schema, dict) else None
                    obj = {p: "%s %s 1" % (p, h) for p in props} if isinstance(props, dict) else {}
                block = {"type": "tool_use", "id": "toolu_%d" % seq, "name": tool["name"], "input": obj}
                stop, out = "tool_use", words(compact(obj))
            else:
                text = act.get("content", echo)
                block = {"type": "text", "text": text}
                stop, out = "end_turn", words(text)
            stop = act.get("finish", stop)
            answer = {
                "id": "msg_%d" % seq,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": stop,
                "usage": {"input_tokens": prompt, "output_tokens": out},
            }
        else:
            prompt = sum(words(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
            if "content" in act:
                content = act["content"]
            else:
                rf = req.get("response_format")
                obj = None
                if isinstance(rf, dict) and rf.get("type") == "json_schema" and isinstance(rf.get("json_schema"), dict):
                    obj = items_object(rf["json_schema"].get("schema"), h)
                content = echo if obj is None else compact(obj)
            out = words(content)
            answer = {
                "id": "chatcmpl-%d" % seq,
                "object": "chat.completion",
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": act.get("finish", "stop")}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out},
            }
        body = json.dumps(answer).encode()
        if act.get("truncate"):
            self.send_raw(200, body)
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if act.get("slow_stream_ms"):
            self.send_raw(200, body)
            step = -(-len(body) // 4)
            for i in range(4):
                if i:
                    time.sleep(act["slow_stream_ms"] / 1000.0)
                self.wfile.write(body[i * step : (i + 1) * step])
            return
        return self.reply(200, answer)

    def completion(self, req, seq):
        """/v1/completions: the text that follows "prompt" (the rules apply,
        matched on the prompt); see the module's doc."""
        srv = self.server
        prompt = req["prompt"]
        rule = srv.pick_rule("/v1/completions", seq, prompt, False, False)
        act = rule.obj if rule else {}
        if "status" in act:
            return self.error(act["status"], "scripted status %d (rule at line %d)" % (act["status"], rule.lineno))
        key = "%s\n%s\n%s\n%s" % (req["model"], req.get("temperature"), req.get("seed"), prompt)
        d = hashlib.sha1(key.encode()).digest()
        text = act.get("content", " ".join(QUERY_WORDS[b % len(QUERY_WORDS)] for b in d[:8]).capitalize() + "?")
        for stop in req.get("stop") or []:
            if isinstance(stop, str) and stop and stop in text:
                text = text[: text.index(stop)]
        return self.reply(200, {
            "id": "cmpl-%d" % seq,
            "object": "text_completion",
            "model": req["model"],
            "choices": [{"index": 0, "text": text, "finish_reason": act.get("finish", "stop")}],
            "usage": {"prompt_tokens": words(prompt), "completion_tokens": words(text),
                      "total_tokens": words(prompt) + words(text)},
        })

    @staticmethod
    def check_fields(req, anthropic):
        if not isinstance(req, dict):
            return "the body is not a JSON object"
        if not isinstance(req.get("model"), str):
            return "model: a string is required"
        if "prompt" in req:
            return None if isinstance(req["prompt"], str) else "prompt: a string is required"
        m = req.get("messages")
        if not isinstance(m, list) or not m:
            return "messages: a non-empty array is required"
        if anthropic:
            t = req.get("max_tokens")
            if not isinstance(t, int) or isinstance(t, bool):
                return "max_tokens: an integer is required"
        return None

    @staticmethod
    def forced_tool(req):
        choice, tools = req.get("tool_choice"), req.get("tools")
        if not isinstance(choice, dict) or choice.get("type") != "tool" or not isinstance(tools, list):
            return None
        for t in tools:
            if isinstance(t, dict) and t.get("name") == choice.get("name"):
                return t
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-code", type=int, default=500)
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--require-key")
    ap.add_argument("--script")
    a = ap.parse_args()
    rules = []
    if a.script:
        try:
            rules = load_rules(a.script)
        except (OSError, ValueError) as e:
            print("llm_server: %s" % e, file=sys.stderr)
            return 2
    srv = Server(("127.0.0.1", 0), Handler)
    srv.count, srv.chat_count = 0, 0
    srv.fail, srv.fail_code, srv.slow, srv.key = a.fail, a.fail_code, a.slow, a.require_key
    srv.lock = threading.Lock()
    log = []  # opened at the first line, so no request leaves no file

    def write_log(line):
        if a.log:
            with srv.log_lock:
                if not log:
                    log.append(open(a.log, "a", encoding="utf-8"))
                log[0].write(line)
                log[0].flush()

    def pick_rule(path, seq, text, structured, system):
        with srv.lock:
            for r in rules:
                if r.matches(path, seq, text, structured, system):
                    if r.left is not None:
                        r.left -= 1
                    return r
        return None

    srv.log_lock = threading.Lock()
    srv.write_log, srv.pick_rule = write_log, pick_rule
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
