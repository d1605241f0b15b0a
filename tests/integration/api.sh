# The REST API of `sufler serve` from outside (tests/integration/api_test.py does the requests):
# every route with good and bad requests against docs/openapi.yaml, the access-control matrix,
# access groups, uploads and jobs, sessions and CSRF, audit and metrics. Then: SIGHUP reloads a
# changed config (a rate limit that then answers 429 with Retry-After), and SIGTERM stops the
# server cleanly (exit 0) with the requests it had finished.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D=$WORK/data
mkdir -p $WORK/ca $WORK/cb $WORK/cp
printf '# Секрет A\n\nмаркерсекретныйа: внутренняя инструкция группы A.\n' > $WORK/ca/a.md
printf '# Секрет B\n\nмаркерсекретныйб: инструкция группы B.\n' > $WORK/cb/b.md
printf '# Принтер\n\nмаркерпубличный: если принтер не печатает, перезапустите службу печати.\n' > $WORK/cp/p.md
"$SUFLER" ingest --data $D --quiet --acl A $WORK/ca
"$SUFLER" ingest --data $D --quiet --acl B $WORK/cb
"$SUFLER" ingest --data $D --quiet $WORK/cp
user() { echo "$3" | "$SUFLER" user add "$1" --role "$2" --groups "$4" --password-stdin --data $D >/dev/null; }
user admin admin 'adminpass123' '*'
user op operator 'oppass12345' 'A'
user viewer viewer 'viewerpass1' ''
user vb viewer 'vbpass12345' 'B'
user opb operator 'opbpass1234' 'B'
tok() { "$SUFLER" token create --data $D --user "$1" --scope "$2" 2>/dev/null; }
ALL=search,documents:read,documents:write,sources:read,admin
cat > $WORK/setup.json <<JSON
{"passwords": {"admin": "adminpass123"},
 "tokens": {
  "admin_all": "$(tok admin $ALL)",
  "op_search": "$(tok op search)", "op_read": "$(tok op documents:read)", "op_write": "$(tok op documents:write)",
  "op_b_search": "$(tok opb search)",
  "viewer_search": "$(tok viewer search)", "viewer_read": "$(tok viewer documents:read)",
  "viewer_sources": "$(tok viewer sources:read)", "vb_search": "$(tok vb search)", "vb_read": "$(tok vb documents:read)",
  "m_admin_all": "$(tok admin $ALL)", "m_admin_search": "$(tok admin search)",
  "m_op_all": "$(tok op $ALL)", "m_op_read": "$(tok op documents:read,sources:read)",
  "m_viewer_all": "$(tok viewer $ALL)", "m_viewer_none": "$(tok viewer sources:read)"},
 "matrix": {
  "m_admin_all": {"role": "admin", "scopes": ["search","documents:read","documents:write","sources:read","admin"]},
  "m_admin_search": {"role": "admin", "scopes": ["search"]},
  "m_op_all": {"role": "operator", "scopes": ["search","documents:read","documents:write","sources:read","admin"]},
  "m_op_read": {"role": "operator", "scopes": ["documents:read","sources:read"]},
  "m_viewer_all": {"role": "viewer", "scopes": ["search","documents:read","documents:write","sources:read","admin"]},
  "m_viewer_none": {"role": "viewer", "scopes": ["sources:read"]}}}
JSON
CONF=$WORK/sufler.conf
printf '[limits]\nupload = 2M\n' > $CONF
"$SUFLER" serve --config $CONF --data $D --listen 127.0.0.1:0 --server.threads=3 --limits.upload=2M \
  --limits.ip_rps=1000 --limits.ip_burst=1000 --limits.login_per_minute=1000 \
  --server.trusted_proxies=127.0.0.1 >$WORK/serve.out 2>$WORK/serve.err &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q 'listening on' $WORK/serve.err && break; sleep 0.1; done
ADDR=$(grep -o 'http://[0-9.:]*' $WORK/serve.err | head -1)
[ -n "$ADDR" ] || { cat $WORK/serve.err; fail "server did not start"; }
echo "server at $ADDR"
$PY tests/integration/api_test.py "$ADDR" $WORK/setup.json || { grep -v "^files" $WORK/serve.err | head -30; fail "api_test.py"; }
echo "ok: api_test.py"

# the CLI works on the store while the server runs: a user and a token made now work at once
echo 'livepass123' | "$SUFLER" user add live --role viewer --password-stdin --data $D >/dev/null || fail "user add while serving"
LIVE=$("$SUFLER" token create --data $D --user live --scope search 2>/dev/null) || fail "token create while serving"
check "a token made by the CLI while serving works" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LIVE" "$ADDR/api/v1/search?q=x")" = 200
ID=$("$SUFLER" token list --data $D | awk -v p="${LIVE:0:10}" '$3 == p {print $1}')
"$SUFLER" token revoke --data $D "$ID" >/dev/null || fail "token revoke while serving"
sleep 5.5 # the server caches a token's verdict for at most 5 s (SF_AUTH_CACHE_MS)
check "a token revoked by the CLI is refused" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LIVE" "$ADDR/api/v1/search?q=x")" = 401

# SIGHUP: a lower rate limit from the file takes effect without a restart
printf '[limits]\nupload = 2M\ntoken_rps = 2\ntoken_burst = 3\n' > $CONF
kill -HUP $PID
sleep 0.5
T=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"]["viewer_search"])' $WORK/setup.json)
codes=""
for i in $(seq 8); do codes="$codes $(curl -s -o $WORK/last.json -D $WORK/last.h -w '%{http_code}' -H "Authorization: Bearer $T" "$ADDR/api/v1/search?q=x")"; done
echo "statuses after reload:$codes"
check "reload: rate limit answers 429" grep -q 429 <<<"$codes"
check "429 has Retry-After" grep -qi '^Retry-After: [0-9]' $WORK/last.h
check "429 has the error shape" grep -q '"code":"rate_limited"' $WORK/last.json
check "the reload is in the log" grep -q 'configuration reloaded' $WORK/serve.err
check "access log written" test -s $D/access.log
check "no secrets in the logs" bash -c "! grep -q 'adminpass123\\|sf_[A-Za-z0-9_-]\\{43\\}' $WORK/serve.err $D/access.log"

# SIGTERM: clean stop, exit 0
kill -TERM $PID
rc=0; wait $PID || rc=$?
[ $rc = 0 ] || { tail -40 $WORK/serve.err; fail "SIGTERM: exit $rc"; }
check "SIGTERM: stopped message" grep -q 'stopped' $WORK/serve.err
check "no sanitizer reports" bash -c "! grep -q 'ERROR: AddressSanitizer\\|runtime error:\\|LeakSanitizer' $WORK/serve.err"
