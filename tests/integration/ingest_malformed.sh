# The malformed-file corpus (tests/tools/fixtures.py malformed: 50+ truncated, misnamed,
# hostile and protected files) plus a few good ones: every bad file is reported with a reason,
# the main process never crashes, the good files are stored, nothing half-made is, the store
# stays consistent, and memory stays bounded.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
M=$WORK/m
python3 tests/tools/fixtures.py malformed $M
printf '# Хороший файл\n\nмаркерхороший: этот файл читается.\n' > $M/good.md
printf '<html><title>Ок</title><p>маркерок: тоже читается.</p></html>' > $M/good.html
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' $M.manifest.json)
check "at least 50 malformed files" test "$n" -ge 50
set +e
/usr/bin/time -v -o $WORK/time "$SUFLER" ingest --data "$D" --json --workers 2 --timeout 30 $M > $WORK/run.json 2>$WORK/err
rc=$?
set -e
check "the run completes with failures reported (exit 1, not a crash)" test $rc = 1
check "the good files are stored" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["docs_added"]>=2 and r["files"]>=52, r' $WORK/run.json
"$SUFLER" search --data "$D" --json "маркерхороший" | grep -q good.md || fail "good file not searchable"
echo "ok: good file searchable"
# every file has its record with a status, and every refused one a reason
python3 - $D/sufler.db $M.manifest.json $M <<'PY' || fail "a file without a record or reason"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
man = json.load(open(sys.argv[2]))
rows = {p.rsplit("/", 1)[1]: (s, r) for p, s, r in db.execute("SELECT path, status, reason FROM files")}
missing = [f for f in man if f not in rows]
assert not missing, missing
for f, (s, r) in rows.items():
    assert s in ("ok", "failed", "skipped"), (f, s)
    if s != "ok":
        assert r and len(r) > 5, (f, s, r)
    print(f"{f:22s} {s:8s} {r[:90]}")
PY
echo "ok: every file reported with a reason"
check "failures are in the run's record" bash -c "\"$SUFLER\" sources --data $D --failures 1 | grep -q 'bomb.docx: .*zip bomb\|bomb.docx: .*limit'"
# nothing half-made: every document has chunks, every chunk a document, the database is sound
python3 - $D/sufler.db <<'PY' || fail "store inconsistent"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert db.execute("PRAGMA foreign_key_check").fetchall() == []
orphans = db.execute("SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)").fetchone()[0]
assert orphans == 0, orphans
ok_files = db.execute("SELECT COUNT(*) FROM files WHERE status = 'ok'").fetchone()[0]
docs_from_files = db.execute("SELECT COUNT(DISTINCT file) FROM documents").fetchone()[0]
failed_with_docs = db.execute("SELECT COUNT(*) FROM documents d JOIN files f ON f.path = d.file WHERE f.status != 'ok'").fetchone()[0]
assert failed_with_docs == 0, failed_with_docs
print("documents from", docs_from_files, "files;", ok_files, "files ok")
PY
echo "ok: store consistent, no partial documents"
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' $WORK/time)
check "memory bounded (max RSS ${rss} KB < 3 GB)" test "$rss" -lt 3000000
# the index agrees with the store
"$SUFLER" search --data "$D" --json "маркерок" | grep -q good.html || fail "index out of step"
echo "ok: index in step"
