# Real files: the Russian Debian FAQ (HTML), the maintainer's guide (HTML and PDF) and the
# Russian man pages (gzip-compressed roff), as Debian installs them. No crash, nothing failed
# that is a document, and each kind of file is found by a search for words of its own.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
dirs=()
for d in /usr/share/doc/debian/FAQ/ru /usr/share/doc/maint-guide-ru /usr/share/man/ru/man8; do
  [ -d "$d" ] && dirs+=("$d")
done
check "the Debian documentation packages are installed" test ${#dirs[@]} -ge 3
set +e
"$SUFLER" ingest --data "$D" --json --workers 2 --timeout 120 "${dirs[@]}" > $WORK/run.json 2>$WORK/err
rc=$?
set -e
check "no crash (exit 0 or 1)" test $rc -le 1
python3 - $WORK/run.json "$D/sufler.db" <<'PY' || fail "counts"
import json, sqlite3, sys
r = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
kinds = dict(db.execute("SELECT kind, COUNT(*) FROM documents GROUP BY kind"))
failed = db.execute("SELECT path, reason FROM files WHERE status = 'failed'").fetchall()
print("run:", {k: r[k] for k in ("files", "files_failed", "files_skipped", "docs_added", "pages")})
print("documents by kind:", kinds, "failed:", failed[:5])
assert kinds.get("html", 0) >= 20 and kinds.get("roff", 0) >= 20 and kinds.get("pdf", 0) >= 1, kinds
assert not failed, failed[:5]
PY
echo "ok: every kind stored, no document failed"
python3 - "$SUFLER" "$D" <<'PY' || fail "a kind of file is not searchable"
import json, sqlite3, subprocess, sys
sufler, data = sys.argv[1], sys.argv[2]
db = sqlite3.connect(f"{data}/sufler.db")
for kind in ("html", "pdf", "roff"):
    text, ext = db.execute("SELECT c.text, d.ext_id FROM chunks c JOIN documents d ON d.id = c.doc_id "
                           "WHERE d.kind = ? AND length(c.text) > 300 ORDER BY c.id LIMIT 1 OFFSET 5", (kind,)).fetchone()
    words = [w.strip(".,:;()«»\"'") for w in text.split()]
    q = " ".join(w for w in words if len(w) > 6 and w.isalpha())
    q = " ".join(q.split()[:4])
    hits = json.loads(subprocess.run([sufler, "search", "--data", data, "--json", "--k", "10", f"{q} kind:{kind}"],
                                     capture_output=True, text=True, check=True).stdout)["hits"]
    assert hits, (kind, q)
    print(kind, "found by", q)
PY
echo "ok: html, pdf and man pages searchable"
