# kill -9 during an upload burst: after a restart every acknowledged upload (202 with a job id)
# is there and indexed, nothing half-written (every document has chunks, the index holds exactly
# the store's chunks, SQLite's integrity check passes, no unacknowledged leftovers in incoming/).
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D=$WORK/data
echo 'crashpass123' | "$SUFLER" user add up --role operator --groups '*' --password-stdin --data $D >/dev/null
echo 'crashpass123' | "$SUFLER" user add adm --role admin --groups '*' --password-stdin --data $D >/dev/null
TOK=$("$SUFLER" token create --data $D --user up --scope search,documents:read,documents:write 2>/dev/null)
ADM=$("$SUFLER" token create --data $D --user adm --scope admin,search 2>/dev/null)

start() {
  "$SUFLER" serve --data $D --listen 127.0.0.1:0 --server.threads=4 --limits.queue_jobs=10000 \
    --limits.token_rps=0 >>$WORK/serve.out 2>$WORK/serve.$1.err &
  PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 200); do grep -q 'listening on' $WORK/serve.$1.err && break; sleep 0.05; done
  ADDR=$(grep -o 'http://[0-9.:]*' $WORK/serve.$1.err | head -1)
  [ -n "$ADDR" ] || { cat $WORK/serve.$1.err; fail "server did not start"; }
}

start 1
# The burst: 8 clients upload small documents (multipart and JSON, one unique marker each) as
# fast as they can and record what was acknowledged; the server is killed 1.5 s in.
cat > $WORK/burst.py <<'PY'
import json, sys, threading, time, urllib.request, urllib.error
base, tok, out = sys.argv[1], sys.argv[2], sys.argv[3]
acked, lock, stop = [], threading.Lock(), time.time() + 6
def client(c):
    i = 0
    while time.time() < stop:
        i += 1
        marker = f"маркеравария{c}x{i}"
        if i % 2:
            b = "brst"
            body = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n{c}_{i}.md\"\r\n\r\n"
                    f"# Заметка {c}-{i}\n\n{marker}: текст заметки номер {i}.\n\r\n--{b}--\r\n").encode()
            ct = "multipart/form-data; boundary=" + b
        else:
            body = json.dumps({"documents": [{"id": f"j{c}-{i}", "title": "Запись", "text": f"{marker} запись"}]}).encode()
            ct = "application/json"
        req = urllib.request.Request(base + "/api/v1/documents", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + tok, "Content-Type": ct})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 202:
                    job = json.load(r)["job"]["id"]
                    with lock:
                        acked.append({"marker": marker, "job": job})
        except Exception:
            if time.time() > stop:
                break
            time.sleep(0.05)
ts = [threading.Thread(target=client, args=(c,)) for c in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
json.dump(acked, open(out, "w"))
PY
$PY $WORK/burst.py "$ADDR" "$TOK" $WORK/acked.json &
BURST=$!
sleep 1.5
kill -9 $PID
wait $PID 2>/dev/null || true
wait $BURST
n=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' $WORK/acked.json)
echo "acknowledged before the kill: $n"
check "the burst got acknowledgements before the kill" test "$n" -ge 5

start 2
# every acknowledged job finishes and its marker is found
$PY - "$ADDR" "$TOK" $WORK/acked.json <<'PY' || fail "an acknowledged upload is missing"
import json, sys, time, urllib.parse, urllib.request
base, tok, acked = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
deadline = time.time() + 300
for a in acked:
    while True:
        j = get(f"/api/v1/jobs/{a['job']}")["job"]
        if j["state"] == "done":
            break
        assert j["state"] != "failed", j
        assert time.time() < deadline, f"job {a['job']} not done: {j}"
        time.sleep(0.2)
missing = [a["marker"] for a in acked
           if not get("/api/v1/search?k=5&q=" + urllib.parse.quote(a["marker"]))["hits"]]
assert not missing, f"{len(missing)} of {len(acked)} acknowledged uploads not found: {missing[:5]}"
print(f"all {len(acked)} acknowledged uploads found after the restart")
PY
echo "ok: every acknowledged upload is there and indexed"
# store and index agree: every document has chunks, the index has exactly the store's chunks
sys=$(curl -s -H "Authorization: Bearer $ADM" "$ADDR/api/v1/admin/system")
$PY - "$sys" <<'PY' || fail "index and store disagree"
import json, sys
s = json.loads(sys.argv[1])
assert s["index"]["docs"] == s["chunks"], s
print("index passages", s["index"]["docs"], "= store chunks", s["chunks"])
PY
kill -TERM $PID; wait $PID || fail "clean stop after the restart"
check "no document without chunks" test "$(sqlite3 $D/sufler.db 'SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.doc_id = d.id)')" = 0
check "SQLite integrity check" test "$(sqlite3 $D/sufler.db 'PRAGMA integrity_check')" = ok
check "no job left behind" test "$(sqlite3 $D/sufler.db "SELECT COUNT(*) FROM jobs WHERE state != 'done'")" = 0
check "incoming uploads cleaned" test -z "$(ls -A $D/uploads/incoming)"
