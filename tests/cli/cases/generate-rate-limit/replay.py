# Replays the stand-in's token buckets over the arrival times it logged:
# how many requests arrived when the bucket (CAP, refilled CAP every
# WINDOW seconds) could not take them, and the statuses it answered.
import json, sys
cap, window, kind = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
rows = sorted((json.loads(l) for l in open("times.jsonl")), key=lambda r: r["t"])
level, at, over = cap, rows[0]["t"], 0
for r in rows:
    level = min(cap, level + (r["t"] - at) * cap / window)
    at = r["t"]
    u = r["usage"] or {}
    cost = 1 if kind == "requests" else u.get("input_tokens", 0)
    if level < min(cost, cap) - 1e-6:
        over += 1
    if r["status"] == 200:
        level -= cost
statuses = {}
for r in rows:
    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
print("%d requests, statuses %s, %d over the limit" % (len(rows), json.dumps(statuses, sort_keys=True), over))
print("most in flight at the server: %s" % ("several" if max(r["inflight"] for r in rows) > 1 else "1"))
