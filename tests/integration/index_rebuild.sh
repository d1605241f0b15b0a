# A corrupt or missing index is detected at open and rebuilt from the store; reindex works.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
python3 - > $WORK/c.jsonl <<'P'
import json
for i in range(300):
    print(json.dumps({"id": f"d{i}", "title": f"Документ {i}", "text": f"Текст номер {i} про сеть и принтеры. " * 5}, ensure_ascii=False))
P
"$SUFLER" ingest --data "$D" --quiet $WORK/c.jsonl > /dev/null
"$SUFLER" search --data "$D" --json --k 3 "принтер" > $WORK/before
seg=$(cd $D/index && ls seg-*.sfs | head -n1)
check "a segment file exists" test -n "$seg"
# flip one byte in the middle of the segment
python3 - "$D/index/$seg" <<'P'
import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=0x55; open(p,'wb').write(b)
P
"$SUFLER" search --data "$D" --json --k 3 "принтер" > $WORK/after 2>$WORK/err
check "corruption reported" grep -qi "rebuild" $WORK/err
check "same results after the rebuild" python3 -c '
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
assert [h["id"] for h in a["hits"]]==[h["id"] for h in b["hits"]] and len(a["hits"])==3, (a,b)' $WORK/before $WORK/after
rm -f $D/index/MANIFEST
"$SUFLER" search --data "$D" --json --k 3 "принтер" > $WORK/after2 2>/dev/null
check "missing manifest: rebuilt from the store" python3 -c '
import json,sys; a=json.load(open(sys.argv[1])); assert len(a["hits"])==3, a' $WORK/after2
"$SUFLER" reindex --data "$D" > $WORK/out
check "reindex rebuilds every chunk" grep -q "reindexed 300 chunks" $WORK/out
# A change of text analysis (here: the Russian dictionary going missing) rebuilds the index.
check "analysis signature recorded" grep -q "sufler-analyzer/" $D/analyzer
SUFLER_HUNSPELL_DICT=/nonexistent/ru_RU "$SUFLER" search --data "$D" --json --k 3 "принтеры" > $WORK/after3 2>$WORK/err3
check "analysis change noticed" grep -q "analysis changed" $WORK/err3
check "signature updated" grep -q "lemma=none" $D/analyzer
check "results after the analysis change" python3 -c '
import json,sys; a=json.load(open(sys.argv[1])); assert len(a["hits"])==3, a' $WORK/after3
