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

Batch endpoints (state kept in memory; see README.md for the table):
  POST /v1/files (multipart: purpose=batch, file), POST /v1/batches
  ({"input_file_id", "endpoint", "completion_window": "24h"}), GET
  /v1/batches/ID, GET /v1/files/ID/content; POST /v1/messages/batches
  ({"requests": [{"custom_id", "params"}]}), GET /v1/messages/batches/ID,
  GET /v1/messages/batches/ID/results. Each request of a batch is logged
  (with "batch" and "custom_id") and answered when the batch is made, as
  online, rules included; the batch ends at its first poll unless a batch
  rule ({"batch": B, "polls": N, "expire": K, "fail_batch": true}) says
  otherwise. Each call logs {"api": "METHOD PATH"} (posts: and "bytes").
  --batch-max-requests N refuses batches of more than N requests.

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

Rate limits (--rpm, --tpm, --itpm, --otpm): token buckets, as the hosted
APIs keep them: each holds N and refills N every --window seconds (60),
continuously. A chat/messages request takes 1 request and its prompt tokens
(P, below) from the requests, tokens and input-tokens buckets when it
arrives (before --slow), or, when one of them holds less than that (or the
output-tokens bucket is below 1), is answered 429 with "Retry-After" (whole
seconds, rounded up) and takes nothing. Its completion tokens C are taken
from the tokens and output-tokens buckets once the answer is made (which
may leave them below 0). Every chat/messages response then carries the
limits' headers: on the OpenAI paths x-ratelimit-limit-requests,
x-ratelimit-remaining-requests (rounded down), x-ratelimit-reset-requests
(the time until the bucket is full again, as OpenAI writes it: "1.234s",
"6m0s", rounded up to the millisecond), and the same for -tokens; on
/v1/messages anthropic-ratelimit-requests-limit, -remaining and -reset (an
RFC 3339 time with milliseconds, rounded up), and the same for tokens,
input-tokens and output-tokens.

Options:
  --port-file FILE  where to write the port (required)
  --fail N          answer the first N requests, counting every POST to a
                    known endpoint, embeddings and chat alike, with
                    --fail-code (default 500) and a JSON error object
  --slow MS         wait MS milliseconds before every answer
  --embed-index J   every embedding's "index" is the JSON value J instead
                    of its position (a server that numbers them wrong)
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
  --bodies FILE     append every POST's body exactly as it came, for cases
                    that check the bytes sprout sends: "POST PATH LEN\n",
                    the body, "\n" (a multipart body: "POST PATH multipart\n",
                    then "PART NAME LEN\n", the part's bytes and "\n" for
                    each part, since the boundary is random)
  --require-key KEY /v1/messages then wants "x-api-key: KEY" and
                    /v1/chat/completions "Authorization: Bearer KEY"; a
                    missing or different key is 401. Embeddings never ask.
  --script FILE     rules for chat/messages requests, one JSON object a line
                    (blank lines and lines starting "#" are skipped), see
                    below. A bad rule stops the server at start, exit 2.
  --rpm N, --tpm N, --itpm N, --otpm N
                    rate limits: requests, tokens (prompt and completion),
                    input tokens, output tokens per window (above)
  --window S        the rate limits' window in seconds (default 60)
  --times FILE      append one JSON line per chat/messages request once it is
                    answered: {"t": when it arrived (seconds since the
                    epoch), "n", "path", "status" (0 for a reset or close),
                    "inflight": chat/messages requests being served when it
                    arrived, itself included, "usage": the answer's usage
                    object or null}. Lines come in the order the answers
                    were made, not the order of "t".
  --prompt-cache    the usage says the system text was read from a prompt
                    cache when the same system text came before:
                    "prompt_tokens_details": {"cached_tokens": S} (OpenAI;
                    P still counts them) or "cache_read_input_tokens": S
                    (Anthropic; "input_tokens" is then P - S), S its words

Order of checks for a chat/messages request: the sequence number and the log
line; a body that is not JSON (400); a missing field (400); the key (401);
anthropic-version (400); the rate limits (429); --slow; --fail; the script;
the answer. A request
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
  "after": N        the request's sequence number is above N (with "times":
                    0, a server that fails from its (N+1)-th request on)
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
  "usage": OBJECT         answer 200 as usual but with these members over
                          the answer's usage (any JSON values)
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
    "after": int,
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
    "usage": dict,
    "malformed_body": bool,
    "truncate": bool,
    "slow_stream_ms": (int, float),
    "batch": int,
    "polls": int,
    "expire": int,
    "fail_batch": bool,
}
BATCH_KEYS = ("batch", "polls", "expire", "fail_batch", "times")
BATCH_PATHS = ("/v1/files", "/v1/batches", "/v1/messages/batches")


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
        if self.left == 0 or "batch" in o:
            return False
        if "structured" in o and o["structured"] != structured:
            return False
        if "system" in o and o["system"] != system:
            return False
        if "path" in o and o["path"] != path:
            return False
        if "nth" in o and o["nth"] != seq:
            return False
        if "after" in o and seq <= o["after"]:
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
            if "batch" in obj and any(k not in BATCH_KEYS for k in obj):
                raise ValueError("%s: a batch rule takes only %s" % (where, ", ".join(BATCH_KEYS)))
            if "batch" not in obj and any(k in obj for k in BATCH_KEYS[1:4]):
                raise ValueError("%s: 'polls', 'expire' and 'fail_batch' go with 'batch'" % where)
            for k in ("times", "nth", "after", "delay_ms", "slow_stream_ms", "batch", "polls", "expire"):
                if k in obj and obj[k] < 0:
                    raise ValueError("%s: '%s' is negative" % (where, k))
            terminal = [k for k in ("status", "reset", "close", "malformed_body") if obj.get(k)]
            normal = [k for k in ("content", "usage", "truncate", "slow_stream_ms") if k in obj and obj[k] is not False]
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


def temperature_of(body):
    """The "temperature" of a body parsed with numbers kept as text."""
    t = body.get("temperature") if isinstance(body, dict) else None
    if t is None:
        return ""
    if isinstance(t, bool):
        return "true" if t else "false"
    return t if isinstance(t, str) else json.dumps(t, separators=(",", ":"))


def multipart(ctype, raw):
    """The fields of a multipart/form-data body ({name: bytes}), or None."""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not ctype.startswith("multipart/form-data") or not m:
        return None
    sep = b"--" + m.group(1).encode()
    fields = {}
    for part in raw.split(sep)[1:]:
        if part.startswith(b"--"):
            break
        head, _, body = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = body[:-2] if body.endswith(b"\r\n") else body
    return fields


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


def completion_answer(req, seq, act):
    """The answer to a /v1/completions request; see the module's doc."""
    prompt = req["prompt"]
    key = "%s\n%s\n%s\n%s" % (req["model"], req.get("temperature"), req.get("seed"), prompt)
    d = hashlib.sha1(key.encode()).digest()
    text = act.get("content", " ".join(QUERY_WORDS[b % len(QUERY_WORDS)] for b in d[:8]).capitalize() + "?")
    for stop in req.get("stop") or []:
        if isinstance(stop, str) and stop and stop in text:
            text = text[: text.index(stop)]
    return {
        "id": "cmpl-%d" % seq,
        "object": "text_completion",
        "model": req["model"],
        "choices": [{"index": 0, "text": text, "finish_reason": act.get("finish", "stop")}],
        "usage": {"prompt_tokens": words(prompt), "completion_tokens": words(text),
                  "total_tokens": words(prompt) + words(text)},
    }


def forced_tool(req):
    choice, tools = req.get("tool_choice"), req.get("tools")
    if not isinstance(choice, dict) or choice.get("type") != "tool" or not isinstance(tools, list):
        return None
    for t in tools:
        if isinstance(t, dict) and t.get("name") == choice.get("name"):
            return t
    return None


def chat_answer(req, temperature, seq, act, anthropic):
    """The answer to a chat or messages request (a dict), the rule's action
    act applied (content, finish); see the module's doc."""
    model = req["model"]
    messages = req["messages"]
    user = last_user_text(messages)
    h = hashlib.sha1(("%s\n%s\n%s" % (model, temperature, user)).encode()).hexdigest()[:8]
    echo = "echo %s: %s" % (h, user[:60])
    if anthropic:
        prompt = words(text_of(req.get("system"))) + sum(words(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
        tool = forced_tool(req)
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
    answer["usage"].update(act.get("usage", {}))
    return answer


def go_duration(secs):
    """secs as OpenAI writes a reset: "20ms", "1.5s", "6m0s" (rounded up to the ms)."""
    ms = int(math.ceil(secs * 1000 - 1e-9))
    if ms < 1000:
        return "%dms" % ms
    m, rest = divmod(ms, 60000)
    sec = ("%d.%03d" % divmod(rest, 1000)).rstrip("0").rstrip(".")
    return ("%dm%ss" % (m, sec)) if m else ("%ss" % sec)


def rfc3339(epoch):
    """epoch as an RFC 3339 time in UTC with milliseconds (rounded up)."""
    ms = int(math.ceil(epoch * 1000 - 1e-9))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


class Limits:
    """The server's rate limits: token buckets that refill continuously."""

    KINDS = ("requests", "tokens", "input-tokens", "output-tokens")

    def __init__(self, window, sizes):
        self.window = window
        self.lock = threading.Lock()
        now = time.monotonic()
        self.b = {k: [n, float(n), now] for k, n in zip(self.KINDS, sizes) if n}

    def _refill(self, now):
        for k, (cap, level, at) in self.b.items():
            self.b[k] = [cap, min(cap, level + (now - at) * cap / self.window), now]

    def admit(self, prompt):
        """Take a request and its prompt tokens: None, or the seconds to wait."""
        with self.lock:
            self._refill(time.monotonic())
            need = {"requests": 1, "tokens": prompt, "input-tokens": prompt, "output-tokens": 1}
            wait = 0.0
            for k, (cap, level, _) in self.b.items():
                want = min(need[k], cap)
                if level < want:
                    wait = max(wait, (want - level) * self.window / cap)
            if wait > 0:
                return wait
            for k in ("requests", "tokens", "input-tokens"):
                if k in self.b:
                    self.b[k][1] -= need[k]
            return None

    def produced(self, completion):
        with self.lock:
            for k in ("tokens", "output-tokens"):
                if k in self.b:
                    self.b[k][1] -= completion

    def headers(self, anthropic):
        out = []
        with self.lock:
            self._refill(time.monotonic())
            wall = time.time()
            for k, (cap, level, _) in self.b.items():
                full = max(0.0, (cap - level) * self.window / cap)
                remaining = max(0, int(math.floor(level)))
                if anthropic:
                    out += [("anthropic-ratelimit-%s-limit" % k, str(cap)),
                            ("anthropic-ratelimit-%s-remaining" % k, str(remaining)),
                            ("anthropic-ratelimit-%s-reset" % k, rfc3339(wall + full))]
                elif k in ("requests", "tokens"):
                    out += [("x-ratelimit-limit-%s" % k, str(cap)),
                            ("x-ratelimit-remaining-%s" % k, str(remaining)),
                            ("x-ratelimit-reset-%s" % k, go_duration(full))]
        return out


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
        self.status_sent = code
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in list(headers) + self.limit_headers():
            self.send_header(k, v)
        self.end_headers()

    def limit_headers(self):
        limits = self.server.limits
        if not limits or not getattr(self, "limited", False):
            return []
        return limits.headers(self.path.split("?", 1)[0] == "/v1/messages")

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

    do_PUT = do_DELETE = do_PATCH = other_method

    def do_GET(self):
        self.read_body()
        path = self.path.split("?", 1)[0]
        m = re.match(r"^/v1/(batches|messages/batches)/([A-Za-z0-9_-]+)(/results)?$", path)
        if m and (m.group(3) is None or m.group(1) == "messages/batches"):
            return self.batch_get(m.group(2), m.group(1) == "messages/batches", bool(m.group(3)), path)
        m = re.match(r"^/v1/files/([A-Za-z0-9_-]+)/content$", path)
        if m:
            return self.file_content(m.group(1), path)
        return self.other_method()

    def do_POST(self):
        raw = self.read_body()
        path = self.path.split("?", 1)[0]
        self.server.write_body(path, raw, multipart(self.headers.get("Content-Type", ""), raw))
        self.limited = False
        if path in BATCH_PATHS:
            return self.batch_post(raw, path)
        if path == "/v1/embeddings":
            return self.embeddings(raw)
        if path in CHAT_PATHS:
            return self.timed_chat(raw, path)
        return self.error(404, "no such endpoint: " + path)

    def timed_chat(self, raw, path):
        """chat(), with the line of --times."""
        srv = self.server
        arrived = time.time()
        self.status_sent, self.usage_sent, self.seq = 0, None, 0
        with srv.lock:
            srv.inflight += 1
            inflight = srv.inflight
        try:
            return self.chat(raw, path)
        finally:
            with srv.lock:
                srv.inflight -= 1
            srv.write_times({"t": round(arrived, 6), "n": self.seq, "path": path,
                             "status": self.status_sent, "inflight": inflight,
                             "usage": self.usage_sent})

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
        data = [{"object": "embedding", "index": i if srv.embed_index is None else srv.embed_index,
                 "embedding": embed(t)} for i, t in enumerate(inputs)]
        return self.reply(200, {"object": "list", "data": data, "model": req.get("model", "")})

    # -- batches

    def check_auth(self, anthropic):
        """401 or 400 as the online endpoints answer, or None."""
        srv = self.server
        if srv.key is not None:
            if anthropic:
                got, want = self.headers.get("x-api-key"), srv.key
            else:
                got, want = self.headers.get("Authorization"), "Bearer " + srv.key
            if got != want:
                return 401, "invalid x-api-key" if anthropic else "Incorrect API key provided"
        if anthropic and not self.headers.get("anthropic-version"):
            return 400, "anthropic-version: header is required"
        return None

    def batch_error(self, code, message, anthropic):
        if anthropic:
            obj = {"type": "error", "error": {"type": ANTHROPIC_ERRORS.get(code, "api_error"), "message": message}}
        else:
            obj = {"error": {"message": message, "type": OPENAI_ERRORS.get(code, "server_error"), "code": None}}
        return self.reply(code, obj)

    def batch_post(self, raw, path):
        srv = self.server
        anthropic = path == "/v1/messages/batches"
        srv.write_log(compact({"api": "POST " + path, "bytes": len(raw)}) + "\n")
        bad = self.check_auth(anthropic)
        if bad:
            return self.batch_error(bad[0], bad[1], anthropic)
        if path == "/v1/files":
            fields = multipart(self.headers.get("Content-Type", ""), raw)
            if fields is None or fields.get("purpose") != b"batch" or "file" not in fields:
                return self.batch_error(400, "expected multipart/form-data with purpose=batch and a file", False)
            with srv.lock:
                srv.nfiles += 1
                fid = "file-%d" % srv.nfiles
                srv.files[fid] = fields["file"]
            return self.reply(200, {"id": fid, "object": "file", "bytes": len(fields["file"]),
                                    "filename": "upload.jsonl", "purpose": "batch", "status": "processed"})
        try:
            req = json.loads(raw)
        except ValueError:
            return self.batch_error(400, "body is not JSON", anthropic)
        if not isinstance(req, dict):
            return self.batch_error(400, "the body is not a JSON object", anthropic)
        if anthropic:
            reqs = req.get("requests")
            if not isinstance(reqs, list) or not reqs:
                return self.batch_error(400, "requests: a non-empty array is required", True)
            if srv.batch_max and len(reqs) > srv.batch_max:
                return self.batch_error(413, "a batch holds at most %d requests" % srv.batch_max, True)
            entries, endpoint = [], "/v1/messages"
            spelled = json.loads(raw, parse_float=str, parse_int=str)["requests"]
            for r, sp in zip(reqs, spelled):
                if not isinstance(r, dict) or not isinstance(r.get("custom_id"), str) or not isinstance(r.get("params"), dict):
                    return self.batch_error(400, "requests: each needs custom_id and params", True)
                entries.append((r["custom_id"], endpoint, r["params"], temperature_of(sp.get("params"))))
        else:
            data = srv.files.get(req.get("input_file_id"))
            endpoint = req.get("endpoint")
            if data is None:
                return self.batch_error(400, "input_file_id: no such file", False)
            if endpoint not in ("/v1/chat/completions", "/v1/completions") or req.get("completion_window") != "24h":
                return self.batch_error(400, "endpoint and completion_window 24h are required", False)
            entries = []
            for line in data.decode("utf-8").splitlines():
                if not line.strip():
                    continue
                obj = json.loads(line)
                spelled = json.loads(line, parse_float=str, parse_int=str)
                entries.append((obj.get("custom_id"), obj.get("url"), obj.get("body"),
                                temperature_of(spelled.get("body"))))
            if srv.batch_max and len(entries) > srv.batch_max:
                return self.batch_error(400, "a batch holds at most %d requests" % srv.batch_max, False)
        with srv.lock:
            srv.nbatches += 1
            n = srv.nbatches
        bid = ("msgbatch_%d" if anthropic else "batch_%d") % n
        rule = srv.pick_batch_rule(n)
        act = rule.obj if rule else {}
        batch = {"id": bid, "n": n, "anthropic": anthropic, "endpoint": endpoint, "polls": act.get("polls", 0),
                 "lines": [], "counts": {}, "fail": None}
        models, ids = set(), set()
        for i, (cid, url, body, temp) in enumerate(entries):
            with srv.lock:
                srv.count += 1
                srv.chat_count += 1
                seq = srv.chat_count
            srv.write_log(json.dumps({"batch": bid, "custom_id": cid, "path": url, "body": body,
                                      "headers": self.logged_headers(), "n": seq},
                                     sort_keys=True, separators=(",", ":")) + "\n")
            if not isinstance(cid, str) or cid in ids or url != endpoint or not isinstance(body, dict):
                batch["fail"] = "line %d: a unique custom_id, the batch's url and a body are required" % (i + 1)
                continue
            ids.add(cid)
            models.add(body.get("model"))
            if "expire" in act and i >= act["expire"]:
                batch["lines"].append(("expired", cid, None))
                continue
            batch["lines"].append(self.batch_answer(cid, url, body, temp, seq))
        if not anthropic and len(models) > 1:
            batch["fail"] = "the input file holds requests to more than one model"
        if act.get("fail_batch"):
            batch["fail"] = "scripted batch failure (rule at line %d)" % rule.lineno
        batch["expired"] = "expire" in act
        with srv.lock:
            srv.batches[bid] = batch
        return self.reply(200, self.batch_object(batch, False))

    def batch_answer(self, cid, url, body, temp, seq):
        """One request of a batch: ("ok"|"error", cid, answer or (code, message))."""
        srv = self.server
        anthropic = url == "/v1/messages"
        problem = check_fields(body, anthropic)
        if problem:
            return ("error", cid, (400, problem))
        if url == "/v1/completions":
            rule = srv.pick_rule(url, seq, body["prompt"], False, False)
            act = rule.obj if rule else {}
            if "status" in act:
                return ("error", cid, (act["status"], "scripted status %d (rule at line %d)" % (act["status"], rule.lineno)))
            return ("ok", cid, completion_answer(body, seq, act))
        messages = body["messages"]
        structured = "response_format" in body or "tools" in body
        system = "system" in body or any(isinstance(m, dict) and m.get("role") == "system" for m in messages)
        rule = srv.pick_rule(url, seq, last_user_text(messages), structured, system)
        act = rule.obj if rule else {}
        if "status" in act:
            return ("error", cid, (act["status"], "scripted status %d (rule at line %d)" % (act["status"], rule.lineno)))
        return ("ok", cid, chat_answer(body, temp, seq, act, anthropic))

    def batch_object(self, b, ended):
        ok = sum(1 for k, _, _ in b["lines"] if k == "ok")
        bad = len(b["lines"]) - ok
        port = self.server.server_address[1]
        if b["anthropic"]:
            expired = sum(1 for k, _, _ in b["lines"] if k == "expired")
            return {"id": b["id"], "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
                    "request_counts": {"processing": 0 if ended else len(b["lines"]), "succeeded": ok if ended else 0,
                                       "errored": bad - expired if ended else 0, "canceled": 0,
                                       "expired": expired if ended else 0},
                    "results_url": "http://127.0.0.1:%d/v1/messages/batches/%s/results" % (port, b["id"]) if ended else None}
        status = "in_progress" if b.get("polls_given") else "validating"
        if ended:
            status = "failed" if b["fail"] else "expired" if b["expired"] else "completed"
        obj = {"id": b["id"], "object": "batch", "endpoint": b["endpoint"], "completion_window": "24h",
               "status": status, "output_file_id": b.get("output"), "error_file_id": b.get("errors"),
               "errors": {"object": "list", "data": [{"code": "invalid", "message": b["fail"]}]} if ended and b["fail"] else None,
               "request_counts": {"total": len(b["lines"]), "completed": ok if ended else 0, "failed": bad if ended else 0}}
        return obj

    def batch_results(self, b):
        """The result lines: (output, errors) for OpenAI, all in output for Anthropic."""
        out, errs = [], []
        for i, (kind, cid, val) in enumerate(b["lines"]):
            rid = "batch_req_%s_%d" % (b["id"], i + 1)
            if b["anthropic"]:
                if kind == "ok":
                    out.append({"custom_id": cid, "result": {"type": "succeeded", "message": val}})
                elif kind == "error":
                    out.append({"custom_id": cid, "result": {"type": "errored", "error": {"type": "error", "error": {
                        "type": ANTHROPIC_ERRORS.get(val[0], "api_error"), "message": val[1]}}}})
                else:
                    out.append({"custom_id": cid, "result": {"type": "expired"}})
            elif kind == "ok":
                out.append({"id": rid, "custom_id": cid, "response": {"status_code": 200, "request_id": rid, "body": val}, "error": None})
            elif kind == "error":
                errs.append({"id": rid, "custom_id": cid, "response": {"status_code": val[0], "request_id": rid, "body": {
                    "error": {"message": val[1], "type": OPENAI_ERRORS.get(val[0], "server_error"), "code": None}}}, "error": None})
            else:
                errs.append({"id": rid, "custom_id": cid, "response": None, "error": {
                    "code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
        return out, errs

    def batch_get(self, bid, anthropic, results, path):
        srv = self.server
        srv.write_log(compact({"api": "GET " + path}) + "\n")
        bad = self.check_auth(anthropic)
        if bad:
            return self.batch_error(bad[0], bad[1], anthropic)
        with srv.lock:
            b = srv.batches.get(bid)
            if b is None or b["anthropic"] != anthropic:
                return self.batch_error(404, "no such batch: " + bid, anthropic)
            ended = b.get("ended", False)
            if not ended and not results:
                b["polls_given"] = b.get("polls_given", 0) + 1
                ended = b["polls_given"] > b["polls"]
                if ended:
                    b["ended"] = True
                    out, errs = self.batch_results(b)
                    if not anthropic and not b["fail"]:
                        for name, lines in (("output", out), ("errors", errs)):
                            if lines:
                                srv.nfiles += 1
                                fid = "file-%d" % srv.nfiles
                                srv.files[fid] = "".join(compact(x) + "\n" for x in lines).encode()
                                b[name] = fid
                    elif anthropic:
                        b["results"] = "".join(compact(x) + "\n" for x in out).encode()
        if results:
            if not ended:
                return self.batch_error(400, "batch %s has not ended" % bid, True)
            body = b["results"]
            self.send_raw(200, body, "application/binary")
            return self.wfile.write(body)
        obj = self.batch_object(b, ended)
        return self.reply(200, obj)

    def file_content(self, fid, path):
        srv = self.server
        srv.write_log(compact({"api": "GET " + path}) + "\n")
        bad = self.check_auth(False)
        if bad:
            return self.batch_error(bad[0], bad[1], False)
        data = srv.files.get(fid)
        if data is None:
            return self.batch_error(404, "no such file: " + fid, False)
        self.send_raw(200, data, "application/octet-stream")
        return self.wfile.write(data)

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
            self.seq = seq
            entry["n"] = seq
            srv.write_log(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
        if bad_json:
            return self.error(400, "body is not JSON")
        problem = check_fields(req, anthropic)
        if problem:
            return self.error(400, problem)
        bad = self.check_auth(anthropic)
        if bad:
            return self.error(bad[0], bad[1])
        if srv.limits:
            self.limited = True
            if path == "/v1/completions":
                prompt_words = words(req["prompt"]) if isinstance(req.get("prompt"), str) else 0
            else:
                prompt_words = sum(words(text_of(m.get("content"))) for m in req["messages"] if isinstance(m, dict))
                if anthropic:
                    prompt_words += words(text_of(req.get("system")))
            wait = srv.limits.admit(prompt_words)
            if wait is not None:
                return self.error(429, "rate limit reached: try again in %.3fs" % wait,
                                  [("Retry-After", str(int(math.ceil(wait))))])
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

        answer = chat_answer(req, temperature_as_given(raw), seq, act, anthropic)
        usage = answer["usage"]
        if anthropic:
            cached = srv.cached_words(text_of(req.get("system")))
            if cached is not None:
                usage["input_tokens"] -= cached
                usage["cache_read_input_tokens"] = cached
        else:
            system_text = " ".join(text_of(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "system")
            cached = srv.cached_words(system_text)
            if cached is not None:
                usage["prompt_tokens_details"] = {"cached_tokens": cached}
        if srv.limits:
            srv.limits.produced(usage["output_tokens" if anthropic else "completion_tokens"])
        self.usage_sent = usage
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
        answer = completion_answer(req, seq, act)
        if srv.limits:
            srv.limits.produced(answer["usage"]["completion_tokens"])
        self.usage_sent = answer["usage"]
        return self.reply(200, answer)




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--fail-code", type=int, default=500)
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--embed-index", type=json.loads)
    ap.add_argument("--log")
    ap.add_argument("--bodies")
    ap.add_argument("--require-key")
    ap.add_argument("--script")
    ap.add_argument("--batch-max-requests", type=int, default=0)
    for name in ("--rpm", "--tpm", "--itpm", "--otpm"):
        ap.add_argument(name, type=int, default=0)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--times")
    ap.add_argument("--prompt-cache", action="store_true")
    a = ap.parse_args()
    if min(a.rpm, a.tpm, a.itpm, a.otpm) < 0 or a.window <= 0:
        print("llm_server: the rate limits and --window must be positive", file=sys.stderr)
        return 2
    rules = []
    if a.script:
        try:
            rules = load_rules(a.script)
        except (OSError, ValueError) as e:
            print("llm_server: %s" % e, file=sys.stderr)
            return 2
    srv = Server(("127.0.0.1", 0), Handler)
    srv.count, srv.chat_count, srv.inflight = 0, 0, 0
    sizes = (a.rpm, a.tpm, a.itpm, a.otpm)
    srv.limits = Limits(a.window, sizes) if any(sizes) else None
    srv.fail, srv.fail_code, srv.slow, srv.key = a.fail, a.fail_code, a.slow, a.require_key
    srv.embed_index = a.embed_index
    srv.lock = threading.Lock()
    srv.files, srv.batches, srv.nfiles, srv.nbatches = {}, {}, 0, 0
    srv.batch_max = a.batch_max_requests
    log = []  # opened at the first line, so no request leaves no file

    def write_log(line):
        if a.log:
            with srv.log_lock:
                if not log:
                    log.append(open(a.log, "a", encoding="utf-8"))
                log[0].write(line)
                log[0].flush()

    bodies = []

    def write_body(path, raw, parts):
        if not a.bodies:
            return
        with srv.log_lock:
            if not bodies:
                bodies.append(open(a.bodies, "ab"))
            f = bodies[0]
            f.write(b"POST %s %s\n" % (path.encode(), b"multipart" if parts is not None else b"%d" % len(raw)))
            for name, data in (parts.items() if parts is not None else [(None, raw)]):
                if name is not None:
                    f.write(b"PART %s %d\n" % (name.encode(), len(data)))
                f.write(data + b"\n")
            f.flush()

    def pick_rule(path, seq, text, structured, system):
        with srv.lock:
            for r in rules:
                if r.matches(path, seq, text, structured, system):
                    if r.left is not None:
                        r.left -= 1
                    return r
        return None

    times = []

    def write_times(obj):
        if a.times:
            with srv.log_lock:
                if not times:
                    times.append(open(a.times, "a", encoding="utf-8"))
                times[0].write(json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n")
                times[0].flush()

    seen_systems = set()

    def cached_words(system_text):
        """With --prompt-cache: the words of a system text seen before (0 if
        new or empty); None without it."""
        if not a.prompt_cache:
            return None
        with srv.lock:
            seen = system_text in seen_systems
            seen_systems.add(system_text)
        return words(system_text) if seen and system_text else 0

    def pick_batch_rule(n):
        with srv.lock:
            for r in rules:
                o = r.obj
                if "batch" in o and r.left != 0 and o["batch"] in (0, n):
                    if r.left is not None:
                        r.left -= 1
                    return r
        return None

    srv.log_lock = threading.Lock()
    srv.write_log, srv.pick_rule, srv.pick_batch_rule = write_log, pick_rule, pick_batch_rule
    srv.write_times, srv.cached_words = write_times, cached_words
    srv.write_body = write_body
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
