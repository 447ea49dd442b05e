"""Run the EDA paper's Python reference (eda.py, not part of sprout) on a
JSONL file of {"text": ...} records, 9 variants each, for bench/augment.sh.

    python3 bench/eda_reference.py EDA_DIR INPUT.jsonl

EDA_DIR holds eda.py from github.com/jasonwei20/eda_nlp (code/eda.py). NLTK
reads WordNet 3.0 from /usr/share/wordnet (Debian wordnet-base) through a
temporary nltk_data folder, since nltk.download() needs the network.
Prints the number of variants made and of records eda.py failed on.
"""
import json
import os
import sys
import tempfile

# WordNet's lexicographer file names: the one file NLTK needs that Debian's
# wordnet-base does not ship. (file number, name, syntactic category)
LEXNAMES = """adj.all 3
adj.pert 3
adv.all 4
noun.Tops 1
noun.act 1
noun.animal 1
noun.artifact 1
noun.attribute 1
noun.body 1
noun.cognition 1
noun.communication 1
noun.event 1
noun.feeling 1
noun.food 1
noun.group 1
noun.location 1
noun.motive 1
noun.object 1
noun.person 1
noun.phenomenon 1
noun.plant 1
noun.possession 1
noun.process 1
noun.quantity 1
noun.relation 1
noun.shape 1
noun.state 1
noun.substance 1
noun.time 1
verb.body 2
verb.change 2
verb.cognition 2
verb.communication 2
verb.competition 2
verb.consumption 2
verb.contact 2
verb.creation 2
verb.emotion 2
verb.motion 2
verb.perception 2
verb.possession 2
verb.social 2
verb.stative 2
verb.weather 2
adj.ppl 3"""


def nltk_wordnet_dir():
    root = tempfile.mkdtemp(prefix="sprout-nltk-")
    wn = os.path.join(root, "corpora", "wordnet")
    os.makedirs(wn)
    for name in os.listdir("/usr/share/wordnet"):
        os.symlink(os.path.join("/usr/share/wordnet", name), os.path.join(wn, name))
    with open(os.path.join(wn, "lexnames"), "w") as f:
        for i, line in enumerate(LEXNAMES.splitlines()):
            name, cat = line.split()
            f.write("%02d\t%s\t%s\n" % (i, name, cat))
    return root


def main():
    eda_dir, path = sys.argv[1], sys.argv[2]
    import nltk

    nltk.data.path.insert(0, nltk_wordnet_dir())
    sys.path.insert(0, eda_dir)
    from eda import eda

    made = failed = 0
    with open(path) as f, open(os.devnull, "w") as out:
        for line in f:
            text = json.loads(line)["text"]
            try:
                variants = eda(text, num_aug=9)[:-1]  # the last one is the original
            except (ValueError, IndexError):
                failed += 1  # eda.py cannot handle a text with no letters
                continue
            for v in variants:
                out.write(v + "\n")
                made += 1
    print(made, failed)


main()
