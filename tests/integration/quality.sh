# Retrieval quality floors on fixed data (../shared/data): a change that makes ranking worse
# fails here. Floors sit just under the figures measured when they were set (docs/BENCHMARKS.md).
source "$(dirname "$0")/lib.sh"
S=${SHARED_DATA:-../shared/data}
run() { "$SUFLER" eval retrieval --corpus "$S/$1/corpus.jsonl" --queries "$S/$1/queries.jsonl" --json > "$WORK/$2.json"; cat "$WORK/$2.json"; }
floor() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; f=float(sys.argv[3]); print(sys.argv[1].split("/")[-1], sys.argv[2], v, ">=", f); sys.exit(0 if v>=f else 1)' "$WORK/$1.json" "$2" "$3"; }
run xquad_retrieval/ru xq_ru
run xquad_retrieval/en xq_en
run stackfaq sfaq
"$SUFLER" eval retrieval --corpus tests/data/support_ru/corpus.jsonl --queries tests/data/support_ru/queries.jsonl \
  --synonyms share/synonyms.txt --json > "$WORK/support.json"; cat "$WORK/support.json"
# measured: 0.9614, 0.9726, 0.7736, 0.8558 (support_ru, all 451 queries, default synonyms)
check "xquad ru nDCG@10 floor" floor xq_ru ndcg@10 ${FLOOR_XQ_RU:-0.958}
check "xquad en nDCG@10 floor" floor xq_en ndcg@10 ${FLOOR_XQ_EN:-0.970}
check "stackfaq nDCG@10 floor" floor sfaq ndcg@10 ${FLOOR_SFAQ:-0.770}
check "support_ru nDCG@10 floor" floor support ndcg@10 ${FLOOR_SUPPORT_RU:-0.852}
check "all xquad ru queries ran" floor xq_ru queries 1190
