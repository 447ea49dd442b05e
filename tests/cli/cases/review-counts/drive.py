"""Drives the review API as three reviewers (overlap 2) in a fixed order of
fetches, saves, changed decisions and claims made to expire, and checks after
every step each reviewer's counts (/api/me, the save's answer) and the
position of the item handed out against the definition, computed here over
every item: open to reviewer R are the items with fewer decisions and live
claims of others than the overlap, or decided or claimed by R."""
import http.client
import json
import random
import sqlite3
import sys
import time
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(url)
db = sqlite3.connect(path, timeout=30)
names = ["alice", "bob", "carol"]
tokens = {n: open("token." + n).read().strip() for n in names}
ids = {n: db.execute("select id from reviewers where name = ?", (n,)).fetchone()[0] for n in names}
OPEN = ("(i.decided + (select count(*) from claims c where c.item = i.id and c.reviewer != :r"
        " and c.until > :now) < :k or exists(select 1 from decisions y where y.item = i.id and"
        " y.reviewer = :r) or exists(select 1 from claims z where z.item = i.id and z.reviewer = :r"
        " and z.until > :now))")


def call(name, method, route, body=None, csrf=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = {"Authorization": "Bearer " + tokens[name]}
    if csrf:
        h["X-CSRF-Token"] = csrf
    c.request(method, route, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return r.status, data


def expected(name, upto=None):
    p = {"r": ids[name], "now": int(time.time()), "k": 2, "upto": upto if upto else 1 << 60}
    t, d, a, rj, e = db.execute(
        "select count(*), count(mine.decision), coalesce(sum(mine.decision = 'accept'), 0),"
        " coalesce(sum(mine.decision = 'reject'), 0), coalesce(sum(mine.decision = 'edit'), 0)"
        " from items i left join decisions mine on mine.item = i.id and mine.reviewer = :r"
        " where i.id <= :upto and " + OPEN, p).fetchone()
    return {"total": t, "done": d, "left": t - d, "accepted": a, "rejected": rj, "edited": e}


csrf = {n: call(n, "GET", "/api/me")[1]["csrf"] for n in names}
rng = random.Random(7)
checks, bad, saves, handed = 0, [], 0, 0


def check(what, got, want):
    global checks
    checks += 1
    if got != want:
        bad.append("%s: got %s, want %s" % (what, got, want))


for step in range(200):
    n = rng.choice(names)
    op = rng.random()
    if op < 0.1:  # a claim runs out (as after CLAIM_SECONDS)
        live = [r for (r,) in db.execute("select rowid from claims where until > 0 order by rowid")]
        if live:
            db.execute("update claims set until = 0 where rowid = ?", (rng.choice(live),))
            db.commit()
    elif op < 0.25:  # a decision changed, or one on an item seen in the list
        st, lst = call(n, "GET", "/api/items?limit=200")
        if lst["items"]:
            it = rng.choice(lst["items"])["id"]
            st, res = call(n, "POST", "/api/item/%d/decision" % it, {"decision": "accept"}, csrf[n])
            if st == 200:
                check("save %s" % n, res["counts"], expected(n))
    else:
        st, item = call(n, "GET", "/api/next")
        if item.get("done"):
            check("done %s" % n, item["counts"], expected(n))
            continue
        handed += 1
        check("position %s item %d" % (n, item["id"]), item["position"], expected(n, item["id"])["total"])
        if op < 0.85:  # decided; otherwise left claimed
            dec = rng.choice(["accept", "reject", "edit"])
            body = {"decision": dec}
            if dec == "reject":
                body["reason"] = "wrong"
            if dec == "edit":
                body["record"] = {"prompt": item["record"]["prompt"] + " (checked)"}
            st, res = call(n, "POST", "/api/item/%d/decision" % item["id"], body, csrf[n])
            if st == 200:
                saves += 1
                check("save %s" % n, res["counts"], expected(n))
    for m in names:
        check("me %s" % m, call(m, "GET", "/api/me")[1]["counts"], expected(m))

levels = dict(db.execute("select decided, n from item_levels where n > 0"))
real = dict(db.execute("select decided, count(*) from items group by decided"))
check("item_levels", levels, real)
print("handed out over 80:", handed > 80, "saved over 60:", saves > 60)
print("every item decided twice:", db.execute("select min(decided) from items").fetchone()[0] >= 2)
print("%s checks, %d wrong" % ("over 500" if checks > 500 else checks, len(bad)))
for b in bad[:10]:
    print(b)
