# HTTPS in the daemon (libmicrohttpd with GnuTLS): a self-signed certificate from the config,
# the API over TLS, plain HTTP refused on that port, the session cookie marked Secure, and a
# TLS setting with a missing key refused at start.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
openssl req -x509 -newkey rsa:2048 -nodes -keyout $WORK/key.pem -out $WORK/cert.pem -days 2 \
  -subj "/CN=127.0.0.1" >/dev/null 2>&1 || fail "openssl cannot make a certificate"
echo 'tlspass1234' | "$SUFLER" user add t --role viewer --password-stdin --data $D >/dev/null
printf '[server]\ntls_cert = %s\ntls_key = %s\n' $WORK/cert.pem $WORK/key.pem > $WORK/tls.conf
"$SUFLER" serve --config $WORK/tls.conf --data $D --listen 127.0.0.1:0 2>$WORK/serve.err &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q 'listening on' $WORK/serve.err && break; sleep 0.1; done
ADDR=$(grep -o 'https://[0-9.:]*' $WORK/serve.err | head -1)
[ -n "$ADDR" ] || { cat $WORK/serve.err; kill $PID; fail "no https:// address"; }
check "GET /healthz over TLS" test "$(curl -s --cacert $WORK/cert.pem $ADDR/healthz)" = '{"status":"ok"}'
curl -s --cacert $WORK/cert.pem -D $WORK/h -o /dev/null -H 'Content-Type: application/json' \
  -d '{"user":"t","password":"tlspass1234"}' $ADDR/api/v1/auth/login
check "session cookie is Secure over TLS" grep -qi '^Set-Cookie: sufler_session=.*; Secure' $WORK/h
check "plain HTTP on the TLS port gets no answer" bash -c "! curl -s -m 5 http://${ADDR#https://}/healthz"
check "the server is still up" test "$(curl -s --cacert $WORK/cert.pem $ADDR/healthz)" = '{"status":"ok"}'
kill -TERM $PID; wait $PID || fail "clean stop"
printf '[server]\ntls_cert = %s\n' $WORK/cert.pem > $WORK/bad.conf
set +e; timeout 20 "$SUFLER" serve --config $WORK/bad.conf --data $D --listen 127.0.0.1:0 2>$WORK/bad.err; rc=$?; set -e
check "a certificate without a key is refused (exit $rc)" test $rc = 1
check "the refusal says why" grep -q tls_key $WORK/bad.err || { cat $WORK/bad.err; false; }
