# Replays the provider's budget over the arrival times both stand-ins
# logged: a token bucket of CAP requests, refilled CAP a minute (as --rpm
# paces and as the hosted APIs count). Prints the requests each server
# got, how many arrived when the bucket could not take them (half a
# request of slack for the time between sending and arriving), and
# whether the budget was used up at all (more requests than CAP).
import json, sys
cap = float(sys.argv[1])
rows = []
for name in sys.argv[2:]:
    rows += [dict(json.loads(l), server=name) for l in open(name)]
rows.sort(key=lambda r: r["t"])
level, at, over = cap, rows[0]["t"], 0
for r in rows:
    level = min(cap, level + (r["t"] - at) * cap / 60)
    at = r["t"]
    if level < 0.5:
        over += 1
    level -= 1
for name in sys.argv[2:]:
    got = [r for r in rows if r["server"] == name]
    print("%s: %s requests" % (name, "some" if got else "no"))
print("more requests than %d: %s; over the budget: %d" % (cap, len(rows) > cap, over))
