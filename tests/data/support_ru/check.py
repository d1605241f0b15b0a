#!/usr/bin/env python3
"""Validate the support_ru retrieval test set (corpus.jsonl, queries.jsonl).

Checks: one JSON object per line, required fields and types, unique ids,
article length (60-250 words), every relevant id exists in the corpus,
1-2 relevant ids per query, tags from the known set, no duplicate query
texts. Prints counts per tag, per language and for the tune/test split
(tune = odd query ids, test = even query ids). Exit status 1 on any error.

Usage: python3 check.py [DIR]   (DIR defaults to this file's directory)
"""
import json
import os
import re
import sys
from collections import Counter

TAGS = ("clean", "typo", "translit", "jargon", "code", "split")
LANGS = ("ru", "en")
MIN_WORDS, MAX_WORDS = 60, 250

errors = []


def err(msg):
    errors.append(msg)


def load(path, fields):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                err(f"{os.path.basename(path)}:{n}: empty line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{os.path.basename(path)}:{n}: bad JSON: {e}")
                continue
            if not isinstance(obj, dict):
                err(f"{os.path.basename(path)}:{n}: not a JSON object")
                continue
            for name, typ in fields.items():
                if not isinstance(obj.get(name), typ):
                    err(f"{os.path.basename(path)}:{n}: field {name!r} missing "
                        f"or not {typ.__name__}")
            extra = set(obj) - set(fields)
            if extra:
                err(f"{os.path.basename(path)}:{n}: unknown fields {sorted(extra)}")
            rows.append((n, obj))
    return rows


def split_of(qid):
    return "tune" if int(qid[1:]) % 2 == 1 else "test"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    corpus = load(os.path.join(d, "corpus.jsonl"),
                  {"id": str, "title": str, "text": str, "kind": str, "lang": str})
    queries = load(os.path.join(d, "queries.jsonl"),
                   {"id": str, "text": str, "relevant": list, "tags": list})

    kb_ids = set()
    langs = Counter()
    words = []
    for n, a in corpus:
        aid = a.get("id", "")
        if not re.fullmatch(r"kb\d{3}", str(aid)):
            err(f"corpus:{n}: bad id {aid!r}")
        if aid in kb_ids:
            err(f"corpus:{n}: duplicate id {aid}")
        kb_ids.add(aid)
        if a.get("kind") != "kb":
            err(f"corpus:{n}: kind must be 'kb'")
        if a.get("lang") not in LANGS:
            err(f"corpus:{n}: lang {a.get('lang')!r} not in {LANGS}")
        langs[a.get("lang")] += 1
        if not str(a.get("title", "")).strip():
            err(f"corpus:{n}: empty title")
        w = len(re.findall(r"\w+", str(a.get("text", ""))))
        words.append(w)
        if not MIN_WORDS <= w <= MAX_WORDS:
            err(f"corpus:{n}: {aid} has {w} words (want {MIN_WORDS}-{MAX_WORDS})")

    q_ids = set()
    texts = {}
    tag_count = Counter()
    split_count = Counter()
    cited = Counter()
    for n, q in queries:
        qid = q.get("id", "")
        if not re.fullmatch(r"q\d{3,}", str(qid)):
            err(f"queries:{n}: bad id {qid!r}")
            continue
        if qid in q_ids:
            err(f"queries:{n}: duplicate id {qid}")
        q_ids.add(qid)
        text = str(q.get("text", "")).strip()
        if not text:
            err(f"queries:{n}: empty text")
        key = text.lower()
        if key in texts:
            err(f"queries:{n}: duplicate text (also {texts[key]}): {text!r}")
        texts[key] = qid
        rel = q.get("relevant") or []
        if not 1 <= len(rel) <= 2:
            err(f"queries:{n}: {qid} has {len(rel)} relevant ids (want 1-2)")
        if len(set(rel)) != len(rel):
            err(f"queries:{n}: {qid} repeats a relevant id")
        for r in rel:
            if r not in kb_ids:
                err(f"queries:{n}: {qid} relevant id {r!r} not in corpus")
            cited[r] += 1
        tags = q.get("tags") or []
        if not tags:
            err(f"queries:{n}: {qid} has no tags")
        for t in tags:
            if t not in TAGS:
                err(f"queries:{n}: {qid} unknown tag {t!r}")
            tag_count[t] += 1
            split_count[(t, split_of(qid))] += 1

    uncited = sorted(kb_ids - set(cited))

    print(f"articles: {len(kb_ids)}  (lang: " +
          ", ".join(f"{k}={v}" for k, v in sorted(langs.items())) +
          f"; words min/avg/max: {min(words)}/{sum(words)//len(words)}/{max(words)})"
          if words else "articles: 0")
    print(f"queries:  {len(q_ids)}  (tune, odd ids: "
          f"{sum(1 for q in q_ids if split_of(q) == 'tune')}; test, even ids: "
          f"{sum(1 for q in q_ids if split_of(q) == 'test')})")
    multi = sum(1 for _, q in queries if len(q.get("tags") or []) > 1)
    print(f"queries with more than one tag: {multi}")
    print(f"articles never cited as relevant: {len(uncited)}"
          + (f" {uncited}" if uncited else ""))
    print(f"{'tag':<10}{'all':>6}{'tune':>6}{'test':>6}")
    for t in TAGS:
        print(f"{t:<10}{tag_count[t]:>6}{split_count[(t, 'tune')]:>6}"
              f"{split_count[(t, 'test')]:>6}")
    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
