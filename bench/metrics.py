#!/usr/bin/env python3
"""Retrieval quality of a TREC run file against queries JSONL ({"id","text","relevant":[ids]}).

    metrics.py RUN.trec QUERIES.jsonl [--json]

Definitions (the same as `sufler eval retrieval`): binary relevance; for each query the ranked
list is the run's lines for that query ordered by rank;
  nDCG@10   = DCG@10 / IDCG@10, DCG = sum over ranks i=1..10 of rel_i / log2(i + 1),
              IDCG = the same sum for min(|relevant|, 10) relevant documents at the top;
  Recall@k  = |relevant in top k| / |relevant|          (k = 1, 5, 10, 100);
  MRR@10    = 1 / rank of the first relevant document within the top 10, else 0.
Every query of the queries file counts (averaged over all of them); a query with no line in
the run (no results) scores 0; queries without relevant ids are skipped.
"""
import json
import math
import sys

KS = (1, 5, 10, 100)


def load_run(path):
    run = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            qid, _, doc, rank = parts[0], parts[1], parts[2], int(parts[3])
            run.setdefault(qid, []).append((rank, doc))
    return {q: [d for _, d in sorted(v)] for q, v in run.items()}


def load_queries(path):
    qs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                o = json.loads(line)
                qs.append((str(o["id"]), set(str(x) for x in o.get("relevant", []))))
    return qs


def evaluate(run, queries):
    sums = {"ndcg@10": 0.0, "mrr@10": 0.0}
    for k in KS:
        sums[f"recall@{k}"] = 0.0
    n = 0
    for qid, rel in queries:
        if not rel:
            continue
        n += 1
        ranked = run.get(qid, [])
        dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in rel)
        idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), 10)))
        sums["ndcg@10"] += dcg / idcg
        for i, d in enumerate(ranked[:10]):
            if d in rel:
                sums["mrr@10"] += 1.0 / (i + 1)
                break
        for k in KS:
            sums[f"recall@{k}"] += len(rel.intersection(ranked[:k])) / len(rel)
    out = {"queries": n}
    for key in ("ndcg@10", "recall@1", "recall@5", "recall@10", "recall@100", "mrr@10"):
        out[key] = round(sums[key] / n, 4) if n else 0.0
    return out


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    res = evaluate(load_run(args[0]), load_queries(args[1]))
    if "--json" in argv:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:12s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
