# Slow and idle clients are cut off: a connection that says nothing is closed after
# limits.idle_timeout; a body that trickles in slower than limits.request_timeout allows is cut
# off; many idle connections do not stop others from being served.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
echo 'limitpass12' | "$SUFLER" user add l --role admin --groups '*' --password-stdin --data $D >/dev/null
TOK=$("$SUFLER" token create --data $D --user l --scope admin 2>/dev/null)
"$SUFLER" serve --data $D --listen 127.0.0.1:0 --limits.idle_timeout=2 --limits.request_timeout=3 \
  --server.connections=64 2>$WORK/serve.err &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q 'listening on' $WORK/serve.err && break; sleep 0.1; done
ADDR=$(grep -o 'http://[0-9.:]*' $WORK/serve.err | head -1)
/usr/bin/python3 - "${ADDR#http://}" "$TOK" <<'PY' || fail "slow clients"
import socket, sys, time
host, port = sys.argv[1].split(":")
port = int(port)
tok = sys.argv[2]
# idle: nothing sent; the server closes within idle_timeout (+ slack)
s = socket.create_connection((host, port))
s.settimeout(10)
t0 = time.time()
assert s.recv(100) == b"", "an idle connection got data"
dt = time.time() - t0
assert 1.5 < dt < 6, f"idle connection closed after {dt:.1f} s"
print(f"idle connection closed after {dt:.1f} s")
# trickle: a body of 200 bytes, one byte every 0.4 s; the request takes longer than 3 s, and
# the server closes the connection (an answer in the middle of a body would wait for its end)
s = socket.create_connection((host, port))
s.settimeout(15)
s.sendall(("POST /api/v1/admin/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n" % tok).encode())
t0 = time.time()
closed = False
try:
    for i in range(200):
        s.sendall(b" ")
        time.sleep(0.4)
        if time.time() - t0 > 12:
            break
except (BrokenPipeError, ConnectionResetError):
    closed = True
if not closed:
    try:
        s.settimeout(3)
        closed = s.recv(100) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
dt = time.time() - t0
assert closed and 2.5 < dt < 9, f"slow body: closed={closed} after {dt:.1f} s"
print(f"slow body cut off after {dt:.1f} s")
# 40 idle connections held open; a normal request is still served at once
idle = [socket.create_connection((host, port)) for _ in range(40)]
c = socket.create_connection((host, port))
c.settimeout(5)
c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
assert c.recv(100).startswith(b"HTTP/1.1 200"), "not served beside idle connections"
print("served beside 40 idle connections")
PY
echo "ok: slow and idle clients cut off"
check "still up" curl -sf $ADDR/healthz -o /dev/null
kill -TERM $PID
rc=0; wait $PID || rc=$?
[ $rc = 0 ] || { tail -20 $WORK/serve.err; fail "clean stop (exit $rc)"; }
