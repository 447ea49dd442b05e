#!/usr/bin/env python3
"""bench/meaning_fit.py - fit and check the model of the `meaning` engine.

    bench/meaning_fit.py JUDGED.jsonl JUDGED-FEATURES.tsv STS-TRAIN.tsv STS-DEV.tsv [--c]

The feature files come from bench/meaning_features (bench/meaning.sh makes
them). The judged pairs are split by their original utterance (a hash of
its text): 30% are held out and never used to fit or to choose anything;
the model is fitted on the other 70% (the development part), its settings
chosen there by 5-fold cross-validation grouped by original. The figures
for the held-out part are those of the shipped model. --c prints the model
as the C table that src/lib/checks/similarity.c holds.

The model: q = a logistic regression over the features (the chance that a
variant is good: fluent, same meaning, right label), with the signs of
some weights held where they must be (adding a content word or a rarer
synonym never helps); then score = sim - D * sim^P * (1 - q), where sim is
the bag-of-words alignment (the STS-like part). For pairs that are not
variants q is low whatever they say, so the score is a monotone function of
sim there and keeps its STS-B ranking; for variants q decides.
"""
import hashlib, json, math, random, sys

def load(p):
    lines = open(p).read().split('\n')
    hdr = lines[0].split('\t'); rows = []
    for l in lines[1:]:
        if not l: continue
        f = l.split('\t'); d = {'id': f[0], 'gold': float(f[1])}
        for h, x in zip(hdr[2:], f[2:]): d[h] = float(x)
        rows.append(d)
    return rows

def auc(s, y):
    pairs = sorted(zip(s, y)); pos = sum(y); neg = len(y) - pos
    rank_sum = 0.0; i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]: j += 1
        rank_sum += (i + j + 1) / 2 * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)

def spearman(x, y):
    def ranks(v):
        o = sorted(range(len(v)), key=lambda i: v[i]); r = [0.0] * len(v); i = 0
        while i < len(o):
            j = i
            while j < len(o) and v[o[j]] == v[o[i]]: j += 1
            for k in range(i, j): r[o[k]] = (i + j - 1) / 2
            i = j
        return r
    a, b = ranks(x), ranks(y); n = len(x); ma = sum(a) / n; mb = sum(b) / n
    c = sum((p - ma) * (q - mb) for p, q in zip(a, b))
    return c / math.sqrt(sum((p - ma) ** 2 for p in a) * sum((q - mb) ** 2 for q in b))

def solve(A, b):
    n = len(b); M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c])); M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[c][c] != 0:
                f = M[r][c] / M[c][c]
                for k in range(c, n + 1): M[r][k] -= f * M[c][k]
    return [M[i][n] / M[i][i] for i in range(n)]

# The features the model reads, as the C code computes them from the
# engine's raw features (src/lib/checks/similarity.c, meaning_input).
NAMES = ['bias', 'same', 'lm_delta', 'lm_word', 'lm_worst', 'typos', 'kept', 'dropped', 'added',
         'dropped_fn', 'added_fn', 'moved', 'inflected', 'synonyms', 'sense_old', 'sense_new',
         'rarer', 'negation', 'numbers', 'log_words', 'lm_kept', 'lm_replaced', 'lm_moved', 'lm_new',
         'lm_kept_drop', 'added_sent', 'dropped_sent', 'fn_replaced', 'moved_fn']
SIGN = {'added': -1, 'rarer': -1, 'moved': -1, 'dropped': -1, 'negation': -1, 'numbers': -1,
        'sense_old': -1, 'sense_new': -1, 'dropped_fn': -1, 'fn_replaced': -1, 'moved_fn': -1,
        'lm_kept_drop': 1, 'lm_moved': 1, 'lm_replaced': 1, 'lm_kept': 1}

def inputs(r):
    return [1.0, r['same'], max(-15.0, r['lm_delta']), r['lm_word'], r['lm_worst'],
            min(r['typos'], 3.0), r['kept'], min(r['dropped'], 15.0), min(r['added'], 15.0),
            min(r['dropped_fn'], 4.0), min(r['added_fn'], 6.0), min(r['moved'], 4.0),
            r['inflected'], r['synonyms'], r['sense_old'], r['sense_new'],
            max(-3.0, min(r['rarer'], 4.0)), r['negation'], r['numbers'],
            math.log(1 + r['words']), max(-10.0, r['lm_kept']), max(-10.0, r['lm_replaced']),
            max(-10.0, r['lm_moved']), max(-10.0, min(5.0, r['lm_new'])),
            max(-10.0, r['lm_kept_drop']), min(r['added_sent'], 8.0), min(r['dropped_sent'], 8.0),
            min(r['fn_replaced'], 3.0), min(r['moved_fn'], 4.0)]

def fit(X, y, l2=1.0, iters=60):
    d = len(X[0]); w = [0.0] * d
    for _ in range(iters):
        g = [0.0] * d; H = [[0.0] * d for _ in range(d)]
        for x, t in zip(X, y):
            z = sum(a * b for a, b in zip(w, x)); p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            for i in range(d):
                g[i] += (p - t) * x[i]
                for j in range(i, d): H[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(d):
            for j in range(i): H[i][j] = H[j][i]
            if i > 0: g[i] += l2 * w[i]; H[i][i] += l2
            H[i][i] += 1e-9
        step = solve(H, g); w = [a - b for a, b in zip(w, step)]
        # weights whose sign is fixed are held at 0 when the fit pushes them over
        for i, n in enumerate(NAMES):
            if SIGN.get(n, 0) < 0 and w[i] > 0: w[i] = 0.0
            if SIGN.get(n, 0) > 0 and w[i] < 0: w[i] = 0.0
        if max(abs(s) for s in step) < 1e-8: break
    return w

def q_of(w, r):
    z = sum(a * b for a, b in zip(w, inputs(r)))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))

def score(r, q, D, P):
    if r['same']: return 0.97
    s = r['sim']
    v = s - D * s ** P * (1 - q)
    return max(0.0, min(0.96, v))

def held_out(original):
    return hashlib.md5(original.encode()).digest()[0] < 77  # 30%

def rates(scores, y, t):
    kept = [i for i in range(len(y)) if scores[i] >= t]
    good = sum(y[i] for i in kept)
    return len(kept), good / max(1, len(kept)), good / max(1, sum(y))

def main():
    a = sys.argv[1:]
    judged = [json.loads(l) for l in open(a[0])]
    feats = {r['id']: r for r in load(a[1])}
    sts_tr, sts_dev = load(a[2]), load(a[3])
    rows = []
    for j in judged:
        r = feats[j['id']]; r.update(original=j['original'], method=j['method'], good=j['good'])
        rows.append(r)
    dev = [r for r in rows if not held_out(r['original'])]
    test = [r for r in rows if held_out(r['original'])]
    print('judged pairs: %d development, %d held out (by original utterance)' % (len(dev), len(test)))
    # cross-validated q on the development part, grouped by original: 5
    # folds, repeated with 3 shuffles (the pairs stacked), so that the choices
    # below rest on less luck of the folds
    q_cv, y_dev, dev_rep = [], [], []
    for seed in (7, 8, 9):
        origs = sorted(set(r['original'] for r in dev)); random.Random(seed).shuffle(origs)
        fold = {o: i % 5 for i, o in enumerate(origs)}
        q = [0.0] * len(dev)
        for k in range(5):
            w = fit([inputs(r) for r in dev if fold[r['original']] != k],
                    [r['good'] for r in dev if fold[r['original']] != k])
            for i, r in enumerate(dev):
                if fold[r['original']] == k: q[i] = q_of(w, r)
        q_cv += q; y_dev += [r['good'] for r in dev]; dev_rep += dev
    y_fit = [r['good'] for r in dev]
    # the shape (D, P) and the threshold: chosen on the development part's
    # cross-validated scores and STS-B train (never dev)
    w_all = fit([inputs(r) for r in dev], y_fit)
    q_tr = [q_of(w_all, r) for r in sts_tr]
    best = None
    sp_sim = spearman([r['sim'] for r in sts_tr], [r['gold'] for r in sts_tr])
    for D in (0.2, 0.25, 0.3, 0.35, 0.4):
        for P in (2, 3, 4, 6):
            sp = spearman([score(r, q, D, P) for r, q in zip(sts_tr, q_tr)], [r['gold'] for r in sts_tr])
            s_cv = [score(r, q, D, P) for r, q in zip(dev_rep, q_cv)]
            a_cv = auc(s_cv, y_dev)
            if sp < sp_sim - 0.004:  # lose at most 0.004 of sim's STS-B train figure
                continue
            if best is None or a_cv > best[0]:
                best = (a_cv, D, P, sp)
    _, D, P, sp_tr = best
    s_cv = [score(r, q, D, P) for r, q in zip(dev_rep, q_cv)]
    # the lowest threshold with 92% precision in cross-validation (a margin over 90%)
    T = None
    for t in [x / 100 for x in range(50, 97)]:
        n, prec, rec = rates(s_cv, y_dev, t)
        if prec >= 0.92:
            T = t
            break
    print('chosen: D=%.2f P=%d threshold %.2f; STS-B train Spearman %.3f' % (D, P, T, sp_tr))
    n, prec, rec = rates(s_cv, y_dev, T)
    print('development part, 5-fold CV x3: AUC %.3f; kept %.0f, %.1f%% good, %.1f%% of good kept'
          % (auc(s_cv, y_dev), n / 3, 100 * prec, 100 * rec))
    y_t = [r['good'] for r in test]
    s_t = [score(r, q_of(w_all, r), D, P) for r in test]
    n, prec, rec = rates(s_t, y_t, T)
    print('HELD OUT (%d pairs, %d good): AUC %.3f (wordnet %.3f, lexical %.3f); at %.2f kept %d, '
          '%.1f%% good, %.1f%% of good kept'
          % (len(test), sum(y_t), auc(s_t, y_t), auc([r['wordnet'] for r in test], y_t),
             auc([r['lexical'] for r in test], y_t), T, n, 100 * prec, 100 * rec))
    sd = spearman([score(r, q_of(w_all, r), D, P) for r in sts_dev], [r['gold'] for r in sts_dev])
    print('STS-B dev Spearman: meaning %.3f, its sim alone %.3f, wordnet %.3f, lexical %.3f'
          % (sd, spearman([r['sim'] for r in sts_dev], [r['gold'] for r in sts_dev]),
             spearman([r['wordnet'] for r in sts_dev], [r['gold'] for r in sts_dev]),
             spearman([r['lexical'] for r in sts_dev], [r['gold'] for r in sts_dev])))
    by = {}
    for r, s in zip(test, s_t): by.setdefault(r['method'], []).append((s >= T, r['good']))
    print('held out by method: method n good kept kept-good')
    for m in sorted(by):
        v = by[m]; k = [g for kk, g in v if kk]
        print('  %-14s %3d %4.0f%% %3d %4.0f%%' % (m, len(v), 100 * sum(g for _, g in v) / len(v), len(k),
                                               100 * sum(k) / max(1, len(k))))
    if '--c' in a:
        print('/* fitted by bench/meaning_fit.py on %d judged pairs */' % len(dev))
        print('static const double q_weights[MQ__COUNT] = {')
        for n, x in zip(NAMES, w_all):
            print('\t[MQ_%s] = %.4f,' % (n.upper(), x))
        print('};')
        print('#define SHAPE_D %.2f\n#define SHAPE_P %d\n#define THRESHOLD %.2f' % (D, P, T))

main()
