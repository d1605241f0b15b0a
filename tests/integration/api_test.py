#!/usr/bin/python3
"""The REST API of a running `sufler serve`, from outside, over 127.0.0.1 (run by api.sh).

Every response is checked against docs/openapi.yaml (tests/tools/openapi_check.py); at the end
every operation of the spec must have been exercised. Checks:
  - each route with good requests, and bad ones: malformed JSON, wrong types, missing fields,
    oversize bodies, invalid UTF-8, unknown routes, wrong methods: right status, the error
    shape, X-Request-Id, and the server stays up;
  - the access matrix: every role and token scope against every route;
  - a document in group A never reaches anyone without A (search, listing, fetch, snippets);
  - uploads (multipart and JSON) become jobs that finish and are searchable; deletes;
  - sessions: login, CSRF, logout; tokens created and revoked through the API;
  - audit log (JSON and CSV), metrics, system, config.

Usage: api_test.py BASE_URL SETUP.json   (SETUP: tokens and passwords made by api.sh)
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import http.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from openapi_check import Spec  # noqa: E402

BASE = sys.argv[1]
SETUP = json.load(open(sys.argv[2]))
SPEC = Spec(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "openapi.yaml"))
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
failures = []
checked = 0


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def request(method, path, body=None, headers=None, token=None, cookie=None, csrf=None, raw_path=False):
    """One request on a fresh connection; returns Resp. path may hold raw bytes when raw_path."""
    global checked
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if cookie:
        h["Cookie"] = "sufler_session=" + cookie
    if csrf:
        h["X-CSRF-Token"] = csrf
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    c = http.client.HTTPConnection(HOST, PORT, timeout=60)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in h.items():
        c.putheader(k, v)
    chunked = "Transfer-Encoding" in h
    if body is not None and not chunked:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    if body is not None and chunked:
        for i in range(0, len(body), 65536):
            part = body[i:i + 65536]
            c.send(b"%x\r\n" % len(part) + part + b"\r\n")
        c.send(b"0\r\n\r\n")
    elif body is not None:
        c.send(body)
    r = c.getresponse()
    data = r.read()
    resp = Resp(r.status, r.getheaders(), data)
    c.close()
    # every response: a request id, and the spec's shape
    if not resp.header("X-Request-Id"):
        fail(f"{method} {path}: no X-Request-Id")
    ct = resp.header("Content-Type") or ""
    problems = SPEC.check(method, path, resp.status, ct, data, headers=resp.headers)
    checked += 1
    for p in problems:
        fail(f"{method} {path} -> {resp.status}: spec: {p}")
    if resp.status >= 400:
        try:
            e = json.loads(data)["error"]
            assert set(e) == {"code", "message", "request_id"}, e
            assert e["request_id"] == resp.header("X-Request-Id"), "request_id differs from the header"
        except Exception as ex:  # noqa: BLE001
            fail(f"{method} {path} -> {resp.status}: not the error shape ({ex}): {data[:200]!r}")
    return resp


def expect(what, resp, status, code=None):
    if resp.status != status:
        fail(f"{what}: status {resp.status}, wanted {status}: {resp.body[:300]!r}")
        return False
    if code and json.loads(resp.body)["error"]["code"] != code:
        fail(f"{what}: code {json.loads(resp.body)['error']['code']}, wanted {code}")
        return False
    return True


def alive():
    r = request("GET", "/healthz")
    if r.status != 200:
        fail("the server stopped answering /healthz")
        sys.exit(1)


T = SETUP["tokens"]
ADMIN = T["admin_all"]

# ---------------------------------------------------------------- operations
expect("healthz", request("GET", "/healthz"), 200)
expect("readyz", request("GET", "/readyz"), 200)
m = request("GET", "/metrics")
expect("metrics", m, 200)

# ---------------------------------------------------------------- search
q = urllib.parse.quote
r = request("GET", "/api/v1/search?q=" + q("маркерпубличный") + "&k=5", token=ADMIN)
if expect("search public", r, 200):
    hits = r.json()["hits"]
    if not hits or "маркерпубличный" not in json.dumps(hits, ensure_ascii=False):
        fail(f"search: public marker not found: {hits}")
    elif "<mark>" not in hits[0]["snippet"]:
        fail(f"search: no highlight in snippet {hits[0]['snippet']!r}")
# the same search again: the same hits (from the cache), for the same caller
r2 = request("GET", "/api/v1/search?q=" + q("маркерпубличный") + "&k=5", token=ADMIN)
if expect("search repeated", r2, 200) and r2.json()["hits"] != r.json()["hits"]:
    fail("a repeated search gave other hits")
# a Russian word form finds the page (stemming through the API)
r = request("GET", "/api/v1/search?q=" + q("принтеров"), token=ADMIN)
if expect("search word form", r, 200) and not r.json()["hits"]:
    fail("search: 'принтеров' found nothing (the page says 'принтер')")
# filters
r = request("GET", "/api/v1/search?q=" + q("маркерпубличный") + "&kind=nosuchkind", token=ADMIN)
if expect("search kind filter", r, 200) and r.json()["hits"]:
    fail("search: kind filter ignored")
# bad search requests
expect("search without q", request("GET", "/api/v1/search", token=ADMIN), 400, "invalid_request")
expect("search k=0", request("GET", "/api/v1/search?q=a&k=0", token=ADMIN), 400, "invalid_request")
expect("search k=abc", request("GET", "/api/v1/search?q=a&k=abc", token=ADMIN), 400, "invalid_request")
expect("search k huge", request("GET", "/api/v1/search?q=a&k=99999999999999999999", token=ADMIN), 400)
expect("search invalid UTF-8", request("GET", "/api/v1/search?q=%FF%FEabc", token=ADMIN), 400, "invalid_request")
expect("search too long", request("GET", "/api/v1/search?q=" + "a" * 5000, token=ADMIN), 400)
expect("search unbalanced query", request("GET", "/api/v1/search?q=" + q('"открытая фраза'), token=ADMIN), 200)
alive()

# ---------------------------------------------------------------- unknown routes, methods, bodies
expect("unknown route", request("GET", "/api/v1/nope", token=ADMIN), 404, "not_found")
expect("unknown root", request("GET", "/", token=ADMIN), 404, "not_found")
r = request("DELETE", "/api/v1/search?q=a", token=ADMIN)
if expect("wrong method", r, 405, "method_not_allowed") and "GET" not in (r.header("Allow") or ""):
    fail("405 without Allow: GET")
expect("PUT documents", request("PUT", "/api/v1/documents", body=b"{}", token=ADMIN,
                                headers={"Content-Type": "application/json"}), 405)
bad_bodies = [
    ("malformed JSON", b'{"name": "x", ', "application/json"),
    ("not an object", b'[1,2,3]', "application/json"),
    ("invalid UTF-8 in JSON", b'{"name": "\xff\xfe", "password": "xxxxxxxxx", "role": "viewer"}', "application/json"),
    ("duplicate keys", b'{"name": "a", "name": "b", "password": "xxxxxxxxx", "role": "viewer"}', "application/json"),
    ("wrong type", json.dumps({"name": 5, "password": "xxxxxxxxx", "role": "viewer"}).encode(), "application/json"),
    ("missing fields", json.dumps({"name": "nopass"}).encode(), "application/json"),
    ("bad role", json.dumps({"name": "x1", "password": "xxxxxxxxx", "role": "king"}).encode(), "application/json"),
    ("short password", json.dumps({"name": "x2", "password": "x", "role": "viewer"}).encode(), "application/json"),
    ("bad groups type", json.dumps({"name": "x3", "password": "xxxxxxxxx", "role": "viewer", "groups": "A"}).encode(),
     "application/json"),
    ("empty body", b"", "application/json"),
]
for what, body, ct in bad_bodies:
    expect("admin/users " + what, request("POST", "/api/v1/admin/users", body=body, token=ADMIN,
                                          headers={"Content-Type": ct}), 400, "invalid_request")
expect("text/plain body", request("POST", "/api/v1/admin/users", body=b"name=x", token=ADMIN,
                                  headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
big = b'{"name":"' + b"a" * (2 << 20) + b'"}'
# sent chunked (no declared size): read up to the limit, then refused
expect("oversize JSON body", request("POST", "/api/v1/admin/users", body=big, token=ADMIN,
                                     headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}),
       413, "payload_too_large")
# a declared body over the limit is refused before it is read
import socket  # noqa: E402
sk = socket.create_connection((HOST, PORT), timeout=30)
sk.sendall(b"POST /api/v1/admin/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN.encode() +
           b"\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{")
head = sk.recv(4096)
sk.close()
if not head.startswith(b"HTTP/1.1 413"):
    fail(f"declared oversize body: {head[:80]!r}")
# a header block over limits.header: refused by libmicrohttpd itself (431), the server stays up
sk = socket.create_connection((HOST, PORT), timeout=30)
sk.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 40000 + b"\r\n\r\n")
head = sk.recv(4096)
sk.close()
if not (head.startswith(b"HTTP/1.1 431") or head.startswith(b"HTTP/1.1 413") or head == b""):
    fail(f"huge header: {head[:80]!r}")
alive()

# ---------------------------------------------------------------- documents and access groups
def search_ids(token, word):
    r = request("GET", "/api/v1/search?q=" + q(word) + "&k=50", token=token)
    if r.status != 200:
        return None, r
    return r.json()["hits"], r


def list_all(token):
    docs, after = [], 0
    while True:
        r = request("GET", f"/api/v1/documents?limit=2&after={after}", token=token)
        if r.status != 200:
            return None
        j = r.json()
        docs += j["documents"]
        if j["next_after"] is None:
            return docs
        after = j["next_after"]


admin_docs = list_all(ADMIN)
doc_a = [d for d in admin_docs if d["acl"] == ["A"]]
doc_b = [d for d in admin_docs if d["acl"] == ["B"]]
if not doc_a or not doc_b:
    fail(f"setup: documents in groups A and B expected, got {admin_docs}")
    sys.exit(1)
a_id = doc_a[0]["id"]
# who may see A: admin (*), op (groups A), token tok_a; who may not: viewer (none), vb (B), tok_b
for name in ("viewer_search", "vb_search", "op_b_search"):
    tok = T[name]
    hits, r = search_ids(tok, "маркерсекретныйа")
    if hits is None:
        fail(f"{name}: search failed {r.status}")
        continue
    blob = json.dumps(hits, ensure_ascii=False)
    if hits or "маркерсекретныйа" in blob:
        fail(f"{name}: a group-A document leaked into search: {blob[:300]}")
    r = request("GET", "/api/v1/search?q=" + q("маркерсекретныйа OR маркерпубличный") + "&k=50", token=tok)
    if r.status == 200 and any(h["document_id"] == a_id for h in r.json()["hits"]):
        fail(f"{name}: document A in an OR search")
for name in ("viewer_read", "vb_read"):
    tok = T[name]
    docs = list_all(tok)
    if docs is None or any("A" in d["acl"] for d in docs):
        fail(f"{name}: listing shows group A: {docs}")
    expect(f"{name} fetch A", request("GET", f"/api/v1/documents/{a_id}", token=tok), 404, "not_found")
hits, r = search_ids(T["op_search"], "маркерсекретныйа")
if not hits:
    fail("op (group A) does not find the group-A document")
r = request("GET", f"/api/v1/documents/{a_id}", token=T["op_read"])
if expect("op fetch A", r, 200) and not r.json()["chunks"]:
    fail("document without chunks")
expect("document bad id", request("GET", "/api/v1/documents/abc", token=ADMIN), 404)
expect("document missing", request("GET", "/api/v1/documents/999999", token=ADMIN), 404)
r = request("GET", "/api/v1/documents?limit=0", token=ADMIN)
expect("documents limit=0", r, 400)

# ---------------------------------------------------------------- uploads
def multipart(files, fields):
    boundary = "sufltestboundary7MA4YWxk"
    out = b""
    for k, v in fields.items():
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
    for name, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, "multipart/form-data; boundary=" + boundary


def wait_job(job_id, token):
    for _ in range(600):
        r = request("GET", f"/api/v1/jobs/{job_id}", token=token)
        if r.status != 200:
            fail(f"job {job_id}: {r.status}")
            return None
        j = r.json()["job"]
        if j["state"] in ("done", "failed"):
            return j
        time.sleep(0.1)
    fail(f"job {job_id} did not finish")
    return None


body, ct = multipart([("инструкция.md", "# Загрузка\n\nмаркерзагрузки: файл загружен через API.\n".encode()),
                      ("page.html", "<html><title>Стр</title><p>маркерстраницы в HTML</p></html>".encode())],
                     {"acl": "A"})
r = request("POST", "/api/v1/documents", body=body, headers={"Content-Type": ct}, token=T["op_write"])
if expect("multipart upload", r, 202):
    job = wait_job(r.json()["job"]["id"], T["op_read"])
    if job and job["state"] != "done":
        fail(f"upload job failed: {job}")
    hits, _ = search_ids(T["op_search"], "маркерзагрузки")
    if not hits:
        fail("uploaded file not searchable by op")
    hits, _ = search_ids(T["vb_search"], "маркерзагрузки")
    if hits:
        fail("uploaded group-A file visible to vb")
    else:
        h = search_ids(T["op_search"], "маркерзагрузки")[0][0]
        if h["title"] != "Загрузка" or h["url"].startswith("file:"):
            fail(f"uploaded document's title/url: {h['title']!r} {h['url']!r}")
    # the same file name to the same groups replaces the earlier upload
    body, ct = multipart([("инструкция.md", "# Загрузка\n\nмаркерзамены: новая версия файла.\n".encode())], {"acl": "A"})
    r = request("POST", "/api/v1/documents", body=body, headers={"Content-Type": ct}, token=T["op_write"])
    if expect("re-upload", r, 202):
        wait_job(r.json()["job"]["id"], T["op_read"])
        if search_ids(T["op_search"], "маркерзагрузки")[0] or not search_ids(T["op_search"], "маркерзамены")[0]:
            fail("a re-uploaded file did not replace its earlier version")
r = request("POST", "/api/v1/documents", token=T["op_write"],
            body={"documents": [{"id": "faq-1", "title": "Вопрос про VPN", "text": "маркерджейсон: как подключить VPN"},
                                {"id": "faq-2", "title": "<b>HTML</b>",
                                 "text": "маркерэкрана: <script>alert(1)</script> & \"кавычки\""}],
                  "acl": ""})
if expect("JSON upload", r, 202):
    job = wait_job(r.json()["job"]["id"], T["op_read"])
    hits, _ = search_ids(T["viewer_search"], "маркерджейсон")
    if not hits:
        fail("JSON document not searchable")
    else:
        jd = hits[0]["document_id"]
        # another user's job is invisible
        expect("viewer reads op's job", request("GET", f"/api/v1/jobs/{job['id']}", token=T["viewer_read"]), 404)
        expect("delete", request("DELETE", f"/api/v1/documents/{jd}", token=T["op_write"]), 204)
        hits, _ = search_ids(T["viewer_search"], "маркерджейсон")
        if hits:
            fail("deleted document still found")
        expect("delete again", request("DELETE", f"/api/v1/documents/{jd}", token=T["op_write"]), 404)
    # snippets are HTML: the document's own markup comes back escaped, only <mark> is real
    hits, _ = search_ids(T["viewer_search"], "маркерэкрана")
    sn = hits[0]["snippet"] if hits else ""
    if "<script>" in sn or "&lt;script&gt;" not in sn or "&amp;" not in sn or "<mark>" not in sn:
        fail(f"snippet not escaped as HTML: {sn!r}")
for what, payload in [("no documents", {"documents": []}), ("documents not array", {"documents": "x"}),
                      ("doc without id", {"documents": [{"text": "t"}]}),
                      ("doc id wrong type", {"documents": [{"id": 5, "text": "t"}]}),
                      ("doc unknown field", {"documents": [{"id": "x", "text": "t", "colour": "red"}]}),
                      ("doc bad acl", {"documents": [{"id": "x", "text": "t", "acl": "a b!"}]})]:
    expect("JSON upload " + what, request("POST", "/api/v1/documents", token=T["op_write"], body=payload), 400)
body, ct = multipart([], {"acl": "A"})
expect("multipart without files", request("POST", "/api/v1/documents", body=body, headers={"Content-Type": ct},
                                          token=T["op_write"]), 400)
body, ct = multipart([("x.txt", b"hello")], {"colour": "red"})
expect("multipart unknown field", request("POST", "/api/v1/documents", body=body, headers={"Content-Type": ct},
                                          token=T["op_write"]), 400)
expect("multipart without boundary", request("POST", "/api/v1/documents", body=b"xx",
                                             headers={"Content-Type": "multipart/form-data"}, token=T["op_write"]), 400)
big = b"x" * (3 << 20)
body, ct = multipart([("big.txt", big)], {})
expect("upload over limits.upload", request("POST", "/api/v1/documents", body=body, token=T["op_write"],
                                            headers={"Content-Type": ct, "Transfer-Encoding": "chunked"}),
       413, "payload_too_large")
alive()
r = request("GET", "/api/v1/jobs?limit=5", token=T["op_read"])
if expect("jobs list", r, 200) and not r.json()["jobs"]:
    fail("op's jobs not listed")

# ---------------------------------------------------------------- sources
r = request("GET", "/api/v1/sources", token=T["viewer_sources"])
if expect("sources", r, 200):
    names = [s["name"] for s in r.json()["sources"]]
    if "upload" not in names or "files" not in names:
        fail(f"sources: {names}")
r = request("GET", "/api/v1/sources/files/runs?limit=3", token=T["viewer_sources"])
if expect("source runs", r, 200) and not r.json()["runs"]:
    fail("no runs of source files")

# ---------------------------------------------------------------- sessions and CSRF
r = request("POST", "/api/v1/auth/login", body={"user": "viewer", "password": "wrong-password"})
expect("login wrong password", r, 401, "unauthorized")
r = request("POST", "/api/v1/auth/login", body={"user": "nobody", "password": "wrong-password"})
expect("login unknown user", r, 401, "unauthorized")
expect("login missing field", request("POST", "/api/v1/auth/login", body={"user": "viewer"}), 400)
r = request("POST", "/api/v1/auth/login", body={"user": "admin", "password": SETUP["passwords"]["admin"]})
if expect("login", r, 200):
    sc = r.header("Set-Cookie") or ""
    if "HttpOnly" not in sc or "SameSite=Strict" not in sc:
        fail(f"cookie flags: {sc}")
    sid = sc.split(";")[0].split("=", 1)[1]
    csrf = r.json()["csrf_token"]
    expect("me (session)", request("GET", "/api/v1/auth/me", cookie=sid), 200)
    expect("session POST without CSRF", request("POST", "/api/v1/admin/users", cookie=sid,
                                                body={"name": "s1", "password": "passpass1", "role": "viewer"}), 403)
    expect("session POST wrong CSRF", request("POST", "/api/v1/admin/users", cookie=sid, csrf="nope",
                                              body={"name": "s1", "password": "passpass1", "role": "viewer"}), 403)
    expect("session POST with CSRF", request("POST", "/api/v1/admin/users", cookie=sid, csrf=csrf,
                                             body={"name": "s1", "password": "passpass1", "role": "viewer",
                                                   "groups": ["B"]}), 201)
    expect("user exists", request("POST", "/api/v1/admin/users", cookie=sid, csrf=csrf,
                                  body={"name": "s1", "password": "passpass1", "role": "viewer"}), 409, "conflict")
    expect("patch user", request("PATCH", "/api/v1/admin/users/s1", cookie=sid, csrf=csrf,
                                 body={"role": "operator", "groups": ["A", "B"]}), 200)
    expect("patch nothing", request("PATCH", "/api/v1/admin/users/s1", cookie=sid, csrf=csrf, body={}), 400)
    expect("patch unknown", request("PATCH", "/api/v1/admin/users/nosuch", cookie=sid, csrf=csrf,
                                    body={"role": "viewer"}), 404)
    expect("patch bad disabled", request("PATCH", "/api/v1/admin/users/s1", cookie=sid, csrf=csrf,
                                         body={"disabled": "yes"}), 400)
    # s1 logs in, changes password, old session ends
    r2 = request("POST", "/api/v1/auth/login", body={"user": "s1", "password": "passpass1"})
    if expect("s1 login", r2, 200):
        sid2 = r2.header("Set-Cookie").split(";")[0].split("=", 1)[1]
        c2 = r2.json()["csrf_token"]
        expect("password change wrong old", request("POST", "/api/v1/auth/password", cookie=sid2, csrf=c2,
                                                    body={"old_password": "x", "new_password": "newpass12"}), 403)
        expect("password change", request("POST", "/api/v1/auth/password", cookie=sid2, csrf=c2,
                                          body={"old_password": "passpass1", "new_password": "newpass12"}), 204)
        expect("old session ended", request("GET", "/api/v1/auth/me", cookie=sid2), 401)
    expect("disable s1", request("PATCH", "/api/v1/admin/users/s1", cookie=sid, csrf=csrf, body={"disabled": True}), 200)
    expect("disabled s1 cannot log in", request("POST", "/api/v1/auth/login",
                                                body={"user": "s1", "password": "newpass12"}), 401)
    expect("token cannot change password", request("POST", "/api/v1/auth/password", token=ADMIN,
                                                   body={"old_password": "a", "new_password": "bbbbbbbbb"}), 403)
    expect("logout", request("POST", "/api/v1/auth/logout", cookie=sid, csrf=csrf), 204)
    expect("after logout", request("GET", "/api/v1/auth/me", cookie=sid), 401)
expect("bad cookie", request("GET", "/api/v1/auth/me", cookie="x" * 43), 401)
expect("bad token", request("GET", "/api/v1/auth/me", token="sf_" + "x" * 43), 401)
expect("malformed Authorization", request("GET", "/api/v1/auth/me", headers={"Authorization": "Basic abc"}), 401)

# ---------------------------------------------------------------- tokens through the API
r = request("POST", "/api/v1/admin/tokens", token=ADMIN, body={"user": "viewer", "name": "desk", "scopes": ["search"],
                                                                "expires_days": 30})
if expect("token create", r, 201):
    tok, tid = r.json()["token"], r.json()["info"]["id"]
    expect("new token works", request("GET", "/api/v1/search?q=a", token=tok), 200)
    expect("new token lacks scope", request("GET", "/api/v1/documents", token=tok), 403, "forbidden")
    expect("tokens list", request("GET", "/api/v1/admin/tokens", token=ADMIN), 200)
    expect("token revoke", request("DELETE", f"/api/v1/admin/tokens/{tid}", token=ADMIN), 204)
    expect("revoked token refused", request("GET", "/api/v1/search?q=a", token=tok), 401)
    expect("revoke missing", request("DELETE", "/api/v1/admin/tokens/999999", token=ADMIN), 404)
for what, payload in [("unknown scope", {"user": "viewer", "name": "x", "scopes": ["root"]}),
                      ("no scopes", {"user": "viewer", "name": "x", "scopes": []}),
                      ("bad expiry", {"user": "viewer", "name": "x", "scopes": ["search"], "expires_days": -1})]:
    expect("token " + what, request("POST", "/api/v1/admin/tokens", token=ADMIN, body=payload), 400)
expect("token unknown user", request("POST", "/api/v1/admin/tokens", token=ADMIN,
                                     body={"user": "ghost", "name": "x", "scopes": ["search"]}), 404)

# ---------------------------------------------------------------- the access matrix
# (role, scope) each route needs; POST/PATCH/DELETE on documents need operator + documents:write.
ROUTES = [
    ("GET", "/api/v1/auth/me", "viewer", None),
    ("GET", "/api/v1/search?q=a", "viewer", "search"),
    ("GET", "/api/v1/documents", "viewer", "documents:read"),
    ("GET", f"/api/v1/documents/{a_id}", "viewer", "documents:read"),
    ("POST", "/api/v1/documents", "operator", "documents:write"),
    ("DELETE", "/api/v1/documents/999999", "operator", "documents:write"),
    ("GET", "/api/v1/jobs", "viewer", "documents:read"),
    ("GET", "/api/v1/jobs/999999", "viewer", "documents:read"),
    ("GET", "/api/v1/sources", "viewer", "sources:read"),
    ("GET", "/api/v1/sources/files/runs", "viewer", "sources:read"),
    ("GET", "/api/v1/admin/users", "admin", "admin"),
    ("POST", "/api/v1/admin/users", "admin", "admin"),
    ("PATCH", "/api/v1/admin/users/nosuch", "admin", "admin"),
    ("GET", "/api/v1/admin/tokens", "admin", "admin"),
    ("POST", "/api/v1/admin/tokens", "admin", "admin"),
    ("DELETE", "/api/v1/admin/tokens/999999", "admin", "admin"),
    ("GET", "/api/v1/admin/audit", "admin", "admin"),
    ("GET", "/api/v1/admin/system", "admin", "admin"),
    ("GET", "/api/v1/admin/config", "admin", "admin"),
]
RANK = {"viewer": 1, "operator": 2, "admin": 3}
matrix = 0
for tname, info in SETUP["matrix"].items():
    tok, role, scopes = T[tname], info["role"], set(info["scopes"])
    for method, path, need_role, need_scope in ROUTES:
        body = {} if method in ("POST", "PATCH") else None
        r = request(method, path, token=tok, body=body)
        allowed = RANK[role] >= RANK[need_role] and (need_scope is None or need_scope in scopes)
        matrix += 1
        if allowed and r.status in (401, 403):
            fail(f"matrix: {tname} ({role}, {sorted(scopes)}) refused {method} {path}: {r.status}")
        if not allowed and r.status != 403:
            fail(f"matrix: {tname} ({role}, {sorted(scopes)}) got {r.status} on {method} {path}, wanted 403")
for method, path, need_role, need_scope in ROUTES:
    body = {} if method in ("POST", "PATCH") else None
    r = request(method, path, body=body)
    matrix += 1
    if r.status != 401:
        fail(f"matrix: anonymous got {r.status} on {method} {path}, wanted 401")
print(f"access matrix: {matrix} combinations", flush=True)

# ---------------------------------------------------------------- audit, system, config, metrics
r = request("GET", "/api/v1/admin/audit?limit=500", token=ADMIN)
if expect("audit", r, 200):
    actions = {e["action"] for e in r.json()["events"]}
    for a in ("login", "login.fail", "search", "document.upload", "document.delete", "token.create", "token.revoke",
              "user.add", "user.change", "logout"):
        if a not in actions:
            fail(f"audit: no '{a}' event (have {sorted(actions)})")
    if any(SETUP["passwords"]["admin"] in json.dumps(e) for e in r.json()["events"]):
        fail("audit: a password in the log")
# behind a trusted proxy (api.sh trusts 127.0.0.1) the client is the rightmost X-Forwarded-For entry
request("POST", "/api/v1/auth/login", body={"user": "proxied", "password": "wrong-password"},
        headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
r = request("GET", "/api/v1/admin/audit?action=login.fail&actor=proxied&limit=1", token=ADMIN)
if expect("audit by actor", r, 200):
    ev = r.json()["events"]
    if not ev or ev[0]["ip"] != "203.0.113.9":
        fail(f"X-Forwarded-For from a trusted proxy not used: {ev}")
r = request("GET", "/api/v1/admin/audit?format=csv&action=search&limit=5", token=ADMIN)
if expect("audit csv", r, 200) and not r.body.startswith(b"id,ts_ms,actor,action"):
    fail("audit csv header")
expect("audit jsonl", request("GET", "/api/v1/admin/audit?format=jsonl&limit=3", token=ADMIN), 200)
expect("audit bad format", request("GET", "/api/v1/admin/audit?format=xml", token=ADMIN), 400)
r = request("GET", "/api/v1/admin/system", token=ADMIN)
if expect("system", r, 200) and r.json()["documents"] < 3:
    fail(f"system: {r.json()}")
r = request("GET", "/api/v1/admin/config", token=ADMIN)
if expect("config", r, 200):
    s = {x["key"]: x for x in r.json()["settings"]}
    if s["limits.upload"]["origin"] != "flag":
        fail(f"config origin: {s['limits.upload']}")
m = request("GET", "/metrics").body.decode()
for needle in ('sufler_http_requests_total{route="search",status="200"}', 'sufler_search_cache_total{result="hit"}', "sufler_http_request_duration_seconds_bucket",
               "sufler_search_duration_seconds_count", "sufler_index_documents", "sufler_index_segments",
               "sufler_ingest_jobs_total", "sufler_queue_jobs", "sufler_errors_total", "process_resident_memory_bytes",
               "process_open_fds"):
    if needle not in m:
        fail(f"metrics: no {needle}")
alive()

# ---------------------------------------------------------------- coverage of the spec
missing = SPEC.operations() - SPEC.coverage()
if missing:
    fail(f"operations of docs/openapi.yaml never exercised: {sorted(missing)}")
print(f"{checked} responses checked against docs/openapi.yaml; {len(SPEC.coverage())} operations covered", flush=True)
if failures:
    print(f"{len(failures)} failures", flush=True)
    sys.exit(1)
print("api: all checks passed")
