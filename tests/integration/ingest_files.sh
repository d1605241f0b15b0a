# Every format through `sufler ingest` and `sufler extract`, then incremental runs: unchanged,
# touched, changed, removed with --prune, the half-of-the-source guard, and the run history.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
F=$WORK/files
python3 tests/tools/fixtures.py formats $F
"$SUFLER" ingest --data "$D" --json --workers 2 --timeout 60 $F > $WORK/run1.json 2>$WORK/err1
check "first run: every file new, none failed" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); n=len(json.load(open(sys.argv[2])))
assert r["files_new"]==n and r["files_failed"]==0 and r["docs_added"]>=n, (r, n)' $WORK/run1.json $F.expected.json
# each marker is found, in a hit from its own file
python3 - "$SUFLER" "$D" $F.expected.json <<'PY' || fail "a format's text is not searchable"
import json, subprocess, sys
sufler, data, exp = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
for name, marker in exp.items():
    out = subprocess.run([sufler, "search", "--data", data, "--json", marker], capture_output=True, text=True, check=True).stdout
    hits = json.loads(out)["hits"]
    assert hits and name in hits[0]["id"], (name, marker, hits[:2])
    print("found", name)
PY
echo "ok: every format searchable"
"$SUFLER" extract --json $F/memo.docx > $WORK/ex.json
check "extract shows type, title, structure and chunks" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); d=r["documents"][0]
assert r["type"]=="docx" and r["ok"] and d["title"]=="Памятка", r
assert d["blocks"][0]["kind"]=="heading" and d["chunks"] and "маркердокс" in d["chunks"][0]["text"], d' $WORK/ex.json
"$SUFLER" extract $F/old.txt > $WORK/ex.txt
check "extract names the detected encoding" grep -q "encoding: windows-1251" $WORK/ex.txt
set +e; "$SUFLER" extract $WORK/no-such-file.pdf > $WORK/ex2.txt 2>&1; rc=$?; set -e
check "extract of a missing file says why, exit 1" test $rc = 1

"$SUFLER" ingest --data "$D" --json $F > $WORK/run2.json 2>/dev/null
check "second run: everything unchanged, nothing stored" python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert r["files_unchanged"]==r["files"] and r["docs_added"]==0 and r["docs_replaced"]==0, r' $WORK/run2.json
touch $F/page.html
printf '\n\nновый абзац: маркерновый.\n' >> $F/guide.md
"$SUFLER" ingest --data "$D" --json $F > $WORK/run3.json 2>/dev/null
check "touched file unchanged, edited file replaced" python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))
assert r["files_changed"]==1 and r["docs_replaced"]==1 and r["docs_added"]==0, r' $WORK/run3.json
"$SUFLER" search --data "$D" --json "маркерновый" | grep -q guide.md || fail "edited text not found"
echo "ok: edited text found"

rm $F/page.html
"$SUFLER" ingest --data "$D" --json --prune $F > $WORK/run4.json 2>/dev/null
check "pruned: the removed file's document is gone" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["files_removed"]==1 and r["docs_removed"]==1, r' $WORK/run4.json
"$SUFLER" search --data "$D" --json "маркерхтмл" > $WORK/s.json
check "its text is no longer found" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["hits"]==[]' $WORK/s.json

mkdir $WORK/aside && mv $F/*.docx $F/*.odt $F/*.xlsx $F/*.ods $F/*.csv $F/*.xml $F/*.json $F/*.pdf $WORK/aside/  # 8 of 13
set +e; "$SUFLER" ingest --data "$D" --json --prune $F > $WORK/run5.json 2>$WORK/err5; rc=$?; set -e
check "pruning more than half of the source is refused" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["prune_refused"] and r["files_removed"]==0, r' $WORK/run5.json
check "refusal exits 1 and says why" bash -c "test $rc = 1 && grep -q -- --force $WORK/err5"
"$SUFLER" search --data "$D" --json "маркердокс" | grep -q memo.docx || fail "guarded documents kept"
echo "ok: guarded documents kept"
"$SUFLER" ingest --data "$D" --json --prune --force $F > $WORK/run6.json 2>/dev/null
check "with --force they go" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["files_removed"]==8, r' $WORK/run6.json

"$SUFLER" sources --data "$D" --json > $WORK/runs.json
check "every run is in the history, newest first" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==6 and r[0]["run"]>r[-1]["run"], r
assert r[0]["stats"]["files_removed"]==8 and r[-1]["stats"]["files_new"]==14, r' $WORK/runs.json

# duplicates: the same text in two files is stored once, both places kept
cp $WORK/aside/memo.docx $F/memo-copy.docx
cp $WORK/aside/memo.docx $F/memo.docx
"$SUFLER" ingest --data "$D" --json $F > $WORK/run7.json 2>/dev/null
check "an exact duplicate is merged" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["docs_duplicate"]==1 and r["docs_added"]==1, r' $WORK/run7.json

# access groups for a source, and what the file said about itself kept with its documents
mkdir $WORK/hr && printf '# Зарплата\n\nмаркерзп: ведомость за месяц.\n' > $WORK/hr/pay.md
"$SUFLER" ingest --data "$D" --source hr --acl hr,finance --quiet $WORK/hr > /dev/null
"$SUFLER" search --data "$D" --json "маркерзп acl:finance" | grep -q pay.md || fail "acl filter"
"$SUFLER" search --data "$D" --json "маркерзп acl:support" > $WORK/s2.json
check "documents of a source carry its access groups" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["hits"]==[]' $WORK/s2.json
check "metadata kept: encoding, size, mtime" python3 -c '
import json,sqlite3,sys; db=sqlite3.connect(sys.argv[1])
m=json.loads(db.execute("SELECT meta FROM documents WHERE ext_id LIKE ?", ("%old.txt",)).fetchone()[0])
assert m["encoding"]=="windows-1251" and m["size"]>0 and m["mtime_ms"]>0, m' "$D/sufler.db"

# sufler's import format inside a folder keeps each record's access groups and category
mkdir $WORK/exp && printf '{"id":"a1","title":"Отпуск","text":"маркеротпуск: заявление через портал.","acl":["hr"],"category":"Кадры"}\n' > $WORK/exp/kb.jsonl
"$SUFLER" ingest --data "$D" --source exp --quiet $WORK/exp > /dev/null
"$SUFLER" search --data "$D" --json 'маркеротпуск acl:hr category:кадры' | grep -q 'kb.jsonl#a1' || fail "record attributes"
echo "ok: a record's access groups and category are kept"

# the same text under other access groups is not merged away: each copy keeps its own groups
mkdir $WORK/pub && cp $WORK/hr/pay.md $WORK/pub/pay.md
"$SUFLER" ingest --data "$D" --source hr --json $WORK/pub > $WORK/run8.json 2>/dev/null
check "a copy under other groups is its own document" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["docs_duplicate"]==0 and r["docs_added"]==1, r' $WORK/run8.json
"$SUFLER" search --data "$D" --json "маркерзп" | grep -q pub/pay.md || fail "public copy not found"
echo "ok: the public copy is found beside the group one"

# a near duplicate (one word of 80 changed) is merged too, through the SimHash of the first
mkdir $WORK/near
body=$(for i in $(seq 1 10); do printf 'Перезапустите службу печати и проверьте очередь заданий номер %s. ' $i; done)
printf '# Печать\n\nмаркерблизнец %s\n' "$body" > $WORK/near/a.md
printf '# Печать\n\nмаркерблизнец %s конец\n' "$body" > $WORK/near/b.md
"$SUFLER" ingest --data "$D" --source near --json $WORK/near > $WORK/run9.json 2>/dev/null
check "a near duplicate is merged into the first copy" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["docs_added"]==1 and r["docs_duplicate"]==1, r' $WORK/run9.json
