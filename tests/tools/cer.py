#!/usr/bin/env python3
"""Character error rate of OCR output against its source text.

  cer.py EXTRACT.json SOURCE.txt   prints edits / len(source) (Levenshtein, over the texts with
                                   whitespace runs folded to one space)
"""
import json
import sys


def fold(s):
    return " ".join(s.split())


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


r = json.load(open(sys.argv[1]))
got = fold(" ".join(b["text"] for d in r["documents"] for b in d["blocks"]))
want = fold(open(sys.argv[2], encoding="utf-8").read())
print(f"{lev(got, want) / max(1, len(want)):.4f}")
