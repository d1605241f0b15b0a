# `sufler backup` while the server runs and writes, `sufler restore` into an empty folder, and
# the restored folder serves the same documents (the index rebuilt from the store); restore
# refuses while a server holds the folder and over an existing store without --force.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
mkdir -p $WORK/c
printf '# Резервная копия\n\nмаркеркопии: документ до резервной копии.\n' > $WORK/c/a.md
"$SUFLER" ingest --data $D --quiet $WORK/c >/dev/null
echo 'backuppass1' | "$SUFLER" user add b --role operator --groups '*' --password-stdin --data $D >/dev/null
TOK=$("$SUFLER" token create --data $D --user b 2>/dev/null)
"$SUFLER" serve --data $D --listen 127.0.0.1:0 2>$WORK/serve.err &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q 'listening on' $WORK/serve.err && break; sleep 0.1; done
ADDR=$(grep -o 'http://[0-9.:]*' $WORK/serve.err | head -1)
printf 'маркерзагрузкикопии: загружено через API.\n' > $WORK/up.txt
job=$(curl -s -H "Authorization: Bearer $TOK" -F "file=@$WORK/up.txt" $ADDR/api/v1/documents | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["id"])')
for _ in $(seq 100); do curl -s -H "Authorization: Bearer $TOK" $ADDR/api/v1/jobs/$job | grep -q '"state":"done"' && break; sleep 0.1; done
# uploads keep coming while the backup runs
( for i in $(seq 20); do printf "шум $i\n" > $WORK/n$i.txt; curl -s -o /dev/null -H "Authorization: Bearer $TOK" -F "file=@$WORK/n$i.txt" $ADDR/api/v1/documents; done ) &
NOISE=$!
"$SUFLER" backup --data $D $WORK/bak
wait $NOISE
check "backup has a manifest and a store" test -s $WORK/bak/MANIFEST -a -s $WORK/bak/sufler.db
check "backup holds the upload" bash -c "ls $WORK/bak/uploads/*/up.txt"
check "restore refuses while the server runs" bash -c "! '$SUFLER' restore --data $D --force $WORK/bak 2>&1"
kill -TERM $PID; wait $PID
check "restore refuses over a store without --force" bash -c "! '$SUFLER' restore --data $D $WORK/bak"
check "restore into an empty folder" "$SUFLER" restore --data $WORK/r $WORK/bak
"$SUFLER" search --data $WORK/r --json "маркеркопии" | grep -q a.md || fail "restored: ingested document not found"
"$SUFLER" search --data $WORK/r --json "маркерзагрузкикопии" | grep -q 'маркерзагрузкикопии' || fail "restored: uploaded document not found"
echo "ok: restored documents searchable"
check "restored store passes the integrity check" test "$(sqlite3 $WORK/r/sufler.db 'PRAGMA integrity_check')" = ok
check "a backup is not a backup twice" bash -c "! '$SUFLER' backup --data $D $WORK/bak 2>/dev/null"
