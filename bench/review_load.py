#!/usr/bin/env python3
"""Load test of `sprout review serve`: REVIEWERS concurrent reviewers (one
thread and one keep-alive connection each) fetch the next item and save a
decision, until DECISIONS decisions are saved in all. Every request must
succeed; the script prints the latency percentiles of the saves and of the
fetches, and the decisions the server confirmed.

  bench/review_load.py URL DECISIONS TOKEN [TOKEN...]

Talks to the given URL only (the caller starts the server on 127.0.0.1).
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def percentile(v, p):
    v = sorted(v)
    if not v:
        return 0.0
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def reviewer(url, token, quota, out, errors, lock):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    auth = {"Authorization": "Bearer " + token}
    conn.request("GET", "/api/me", headers=auth)
    r = conn.getresponse()
    me = json.loads(r.read())
    headers = dict(auth, **{"X-CSRF-Token": me["csrf"], "Content-Type": "application/json"})
    fetch, save, n = [], [], 0
    while n < quota:
        t0 = time.perf_counter()
        conn.request("GET", "/api/next", headers=auth)
        r = conn.getresponse()
        item = json.loads(r.read())
        fetch.append(time.perf_counter() - t0)
        if r.status != 200:
            with lock:
                errors.append("next: HTTP %d" % r.status)
            break
        if item.get("done"):
            break
        decision = ["accept", "reject", "edit"][item["id"] % 3]
        body = {"decision": decision}
        if decision == "reject":
            body["reason"] = "load test"
        if decision == "edit":
            body["record"] = {"prompt": item["record"]["prompt"] + " (checked)"}
        t0 = time.perf_counter()
        conn.request("POST", "/api/item/%d/decision" % item["id"], body=json.dumps(body), headers=headers)
        r = conn.getresponse()
        r.read()
        save.append(time.perf_counter() - t0)
        if r.status != 200:
            with lock:
                errors.append("save %d: HTTP %d" % (item["id"], r.status))
            continue
        n += 1
    with lock:
        out["fetch"] += fetch
        out["save"] += save
        out["saved"] += n


def main():
    url, total, tokens = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    quota = [total // len(tokens) + (1 if i < total % len(tokens) else 0) for i in range(len(tokens))]
    out = {"fetch": [], "save": [], "saved": 0}
    errors, lock = [], threading.Lock()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=reviewer, args=(url, t, q, out, errors, lock)) for t, q in zip(tokens, quota)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    print("%d reviewers, %d decisions saved in %.2f s (%.0f decisions/s), %d errors"
          % (len(tokens), out["saved"], wall, out["saved"] / wall, len(errors)))
    for name in ("save", "fetch"):
        v = [x * 1000 for x in out[name]]
        print("%-5s latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (%d requests)"
              % (name, percentile(v, 50), percentile(v, 90), percentile(v, 99), max(v) if v else 0, len(v)))
    for e in errors[:5]:
        print("error:", e)
    return 1 if errors or out["saved"] != total else 0


if __name__ == "__main__":
    sys.exit(main())
