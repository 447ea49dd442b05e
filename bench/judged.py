#!/usr/bin/env python3
"""bench/judged.py - the filter against hand judgements.

    bench/judged.py prepare JUDGED.jsonl OUTDIR
        writes OUTDIR/parents.jsonl (each original once, with a _sprout id)
        and OUTDIR/variants.jsonl (each variant, _sprout.parent naming its
        original, _sprout.id its judged id), as classification records.
    bench/judged.py score JUDGED.jsonl KEPT.jsonl NAME
        reads the records sprout filter kept and prints, for the held-out
        part (30% of the originals, by a hash of their text, the same split
        as bench/meaning_fit.py) and for all pairs: how many variants were
        kept, the share of them judged good, and the share of good ones kept.
"""
import hashlib, json, sys

def held_out(original):
    return hashlib.md5(original.encode()).digest()[0] < 77

def pid(original):
    return 'p' + hashlib.md5(original.encode()).hexdigest()[:12]

def prepare(judged, out):
    rows = [json.loads(l) for l in open(judged)]
    seen = set()
    with open(out + '/parents.jsonl', 'w') as p, open(out + '/variants.jsonl', 'w') as v:
        for r in rows:
            if r['original'] not in seen:
                seen.add(r['original'])
                p.write(json.dumps({'text': r['original'], 'label': r['label'],
                                    '_sprout': {'id': pid(r['original'])}}) + '\n')
            v.write(json.dumps({'text': r['variant'], 'label': r['label'],
                                '_sprout': {'id': r['id'], 'parent': pid(r['original'])}}) + '\n')

def score(judged, kept_file, name):
    rows = [json.loads(l) for l in open(judged)]
    kept = set()
    for l in open(kept_file):
        if l.strip():
            kept.add(json.loads(l)['_sprout']['id'])
    for part, sel in (('held out', lambda r: held_out(r['original'])), ('all 900', lambda r: True)):
        rs = [r for r in rows if sel(r)]
        k = [r for r in rs if r['id'] in kept]
        good = sum(r['good'] for r in rs)
        kg = sum(r['good'] for r in k)
        print('%-34s %-8s pairs %3d good %3d | kept %3d: %5.1f%% good, %5.1f%% of good kept'
              % (name, part, len(rs), good, len(k), 100 * kg / max(1, len(k)), 100 * kg / max(1, good)))

if sys.argv[1] == 'prepare':
    prepare(sys.argv[2], sys.argv[3])
else:
    score(sys.argv[2], sys.argv[3], sys.argv[4])
