#!/usr/bin/python3
"""Checks HTTP responses of sufler against docs/openapi.yaml (OpenAPI 3.0).

Needs only Debian's python3-yaml and python3-jsonschema.

  openapi_check.py SPEC.yaml             loads the spec, resolves every $ref, checks each response
                                         schema, prints the number of operations; exit 1 on a fault
  openapi_check.py --selftest [SPEC]     checks that the checker accepts good responses and
                                         reports bad ones (SPEC: docs/openapi.yaml of this repo)

As a module:

  spec = Spec("docs/openapi.yaml")
  problems = spec.check("GET", "/api/v1/documents/12?x=1", 200, "application/json", body)
  spec.coverage() <= spec.operations()   # sets of ("GET", "/api/v1/documents/{id}")

check() also takes headers= (a dict or a list of pairs); when given, the headers the spec marks
required for that response (X-Request-Id, Allow, Retry-After, ...) are checked too.

A path no template matches is a problem, and so is a method its path does not describe, except
when the spec describes the server's answer to those with the top-level extensions
`x-unknown-route` (a response, for 404) and `x-method-not-allowed` (a response, for 405): such
answers are checked against that response instead (they count for no operation's coverage).
"""
import copy
import json
import os
import re
import sys
import tempfile
import warnings
from urllib.parse import urlsplit

import yaml
import jsonschema

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(Exception):
    pass


def _unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def _media(ct):
    """'Application/JSON; charset=UTF-8' -> ('application/json', {'charset': 'UTF-8'})"""
    parts = [p.strip() for p in ct.split(";")]
    params = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def _media_matches(described, actual):
    dtype, dparams = _media(described)
    atype, aparams = _media(actual)
    if dtype != atype:
        dmain, _, dsub = dtype.partition("/")
        amain, _, _ = atype.partition("/")
        if not (dtype == "*/*" or (dsub == "*" and dmain == amain)):
            return False
    # every parameter the spec names must be there with its value; extra ones (charset) are fine
    return all(aparams.get(k) == v for k, v in dparams.items())


def _segments(path):
    """'/a/b' -> ['a', 'b']; a trailing or doubled slash gives an empty segment."""
    return (path[1:] if path.startswith("/") else path).split("/")


def _is_json(media_type):
    t, _ = _media(media_type)
    return t == "application/json" or t.endswith("+json")


class Spec:
    def __init__(self, path, fallbacks=True):
        self.path = path
        try:
            with open(path, encoding="utf-8") as f:
                self.doc = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            raise SpecError(f"{path}: {e}") from e
        if not isinstance(self.doc, dict) or not isinstance(self.doc.get("paths"), dict):
            raise SpecError(f"{path}: not an OpenAPI document (no paths)")
        if not str(self.doc.get("openapi", "")).startswith("3.0"):
            raise SpecError(f"{path}: openapi version {self.doc.get('openapi')!r}, want 3.0.x")
        self.fallbacks = fallbacks
        self._covered = set()
        self._schemas = {}    # id(openapi schema) -> (converted, validator)
        self._templates = []  # (template, [segment or None for a parameter])
        for template in self.doc["paths"]:
            segs = [None if re.fullmatch(r"\{[^/{}]+\}", s) else s
                    for s in _segments(template)]
            self._templates.append((template, segs))

    # ---- references ----

    def resolve(self, ref):
        """The object a local $ref ('#/components/...') points at."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise SpecError(f"unsupported $ref {ref!r} (only '#/...' references)")
        node = self.doc
        for tok in ref[2:].split("/"):
            tok = _unescape(tok)
            if isinstance(node, dict) and tok in node:
                node = node[tok]
            elif isinstance(node, list) and tok.isdigit() and int(tok) < len(node):
                node = node[int(tok)]
            else:
                raise SpecError(f"$ref {ref} does not resolve")
        return node

    def _deref(self, obj, seen=()):
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if ref in seen:
                raise SpecError(f"$ref cycle through {ref}")
            seen = seen + (ref,)
            obj = self.resolve(ref)
        return obj

    def all_refs(self):
        out = []

        def walk(node, where):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "$ref" and isinstance(v, str):
                        out.append((where, v))
                    else:
                        walk(v, f"{where}/{str(k).replace('~', '~0').replace('/', '~1')}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{where}/{i}")

        walk(self.doc, "#")
        return out

    # ---- OpenAPI 3.0 schema -> JSON Schema (draft 4) ----

    def to_json_schema(self, schema, _stack=()):
        """Converts an OpenAPI 3.0 schema: $refs inlined, `nullable: true` turned into a union
        with null, OpenAPI-only keywords dropped. Recursive schemas are refused."""
        if isinstance(schema, list):
            return [self.to_json_schema(s, _stack) for s in schema]
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in _stack:
                raise SpecError(f"recursive schema through {ref} (not supported)")
            inner = self.to_json_schema(self.resolve(ref), _stack + (ref,))
            if schema.get("nullable") is True:
                return {"anyOf": [{"type": "null"}, inner]}
            return inner
        out = {}
        for k, v in schema.items():
            if k in ("nullable", "discriminator", "xml", "externalDocs", "example", "deprecated",
                     "readOnly", "writeOnly") or k.startswith("x-"):
                continue
            if k in ("properties", "patternProperties", "definitions"):
                out[k] = {name: self.to_json_schema(s, _stack) for name, s in v.items()}
            elif k in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
                out[k] = self.to_json_schema(v, _stack)
            else:
                out[k] = copy.deepcopy(v)
        if schema.get("nullable") is True:
            out = {"anyOf": [{"type": "null"}, out]}
        return out

    def _validator(self, schema):
        key = id(schema)
        if key not in self._schemas:
            converted = self.to_json_schema(schema)
            jsonschema.Draft4Validator.check_schema(converted)
            self._schemas[key] = (schema, jsonschema.Draft4Validator(converted))
        return self._schemas[key][1]

    # ---- operations ----

    def operations(self):
        """Every (METHOD, template) the spec describes."""
        ops = set()
        for template, item in self.doc["paths"].items():
            item = self._deref(item)
            for m in METHODS:
                if isinstance(item, dict) and m in item:
                    ops.add((m.upper(), template))
        return ops

    def coverage(self):
        """The (METHOD, template) pairs check() has seen at least once."""
        return set(self._covered)

    def match(self, path):
        """The template a concrete path matches (literal segments win over parameters), or None."""
        if "://" in path:
            path = urlsplit(path).path
        path = path.split("?", 1)[0].split("#", 1)[0]
        segs = _segments(path)
        best = None
        for template, tsegs in self._templates:
            if len(tsegs) != len(segs):
                continue
            if all(t is None and s != "" or t == s for t, s in zip(tsegs, segs)):
                rank = tuple(t is not None for t in tsegs)
                if best is None or rank > best[0]:
                    best = (rank, template)
        return best[1] if best else None

    def _find_response(self, responses, status):
        code = str(status)
        if code in responses:
            return code, responses[code]
        wild = code[0] + "XX"
        for k in responses:
            if str(k).upper() == wild:
                return str(k), responses[k]
        if "default" in responses:
            return "default", responses["default"]
        return None, None

    def check(self, method, path, status, content_type, body_bytes, headers=None):
        """Problems of one response (an empty list when it conforms)."""
        method = method.upper()
        template = self.match(path)
        where = f"{method} {path} -> {status}"
        if template is None:
            fb = self.doc.get("x-unknown-route")
            if self.fallbacks and fb is not None and int(status) == 404:
                return self._check_response(where + " (unknown route)", fb, content_type,
                                            body_bytes, headers)
            return [f"{where}: no path template matches {path!r}"]
        item = self._deref(self.doc["paths"][template])
        op = item.get(method.lower()) if isinstance(item, dict) else None
        if not isinstance(op, dict):
            fb = self.doc.get("x-method-not-allowed")
            if self.fallbacks and fb is not None and int(status) == 405:
                return self._check_response(where + " (method not allowed)", fb, content_type,
                                            body_bytes, headers)
            return [f"{where}: method {method} is not described for {template}"]
        self._covered.add((method, template))
        responses = op.get("responses") or {}
        responses = {str(k): v for k, v in responses.items()}
        key, resp = self._find_response(responses, status)
        if resp is None:
            return [f"{where}: status {status} is not described for {method} {template} "
                    f"(described: {', '.join(sorted(responses))})"]
        return self._check_response(f"{where} [{method} {template} {key}]", resp, content_type,
                                    body_bytes, headers)

    def _check_response(self, where, resp, content_type, body_bytes, headers):
        problems = []
        resp = self._deref(resp)
        if body_bytes is None:
            body_bytes = b""
        if isinstance(body_bytes, str):
            body_bytes = body_bytes.encode("utf-8")
        if headers is not None:
            problems += self._check_headers(where, resp, headers)
        content = resp.get("content") or {}
        if not content:
            if body_bytes:
                problems.append(f"{where}: a body of {len(body_bytes)} bytes where none is described")
            return problems
        if not content_type:
            return problems + [f"{where}: no content type; described: {', '.join(content)}"]
        media = next((m for m in content if _media_matches(m, content_type)), None)
        if media is None:
            return problems + [f"{where}: content type {content_type!r}, described: "
                               f"{', '.join(content)}"]
        schema = (content[media] or {}).get("schema")
        if not _is_json(media) or schema is None:
            return problems
        try:
            value = json.loads(body_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return problems + [f"{where}: body is not JSON ({e}): {body_bytes[:80]!r}"]
        validator = self._validator(schema)
        for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            loc = "/".join(str(p) for p in err.absolute_path) or "(body)"
            problems.append(f"{where}: {loc}: {err.message}")
        return problems

    def _check_headers(self, where, resp, headers):
        if isinstance(headers, dict):
            headers = headers.items()
        have = {}
        for k, v in headers:
            have.setdefault(k.lower(), v)
        problems = []
        for name, h in (resp.get("headers") or {}).items():
            h = self._deref(h)
            if name.lower() == "content-type":
                continue
            value = have.get(name.lower())
            if value is None:
                if h.get("required"):
                    problems.append(f"{where}: header {name} missing")
                continue
            schema = h.get("schema")
            if schema is None:
                continue
            sch = self._deref(schema)
            inst = value
            if sch.get("type") == "integer":
                if not re.fullmatch(r"-?[0-9]+", value.strip()):
                    problems.append(f"{where}: header {name}: {value!r} is not an integer")
                    continue
                inst = int(value)
            for err in self._validator(schema).iter_errors(inst):
                problems.append(f"{where}: header {name}: {err.message}")
        return problems

    # ---- lint (CLI) ----

    def lint(self):
        """Faults of the spec itself: unresolved $refs, bad schemas, operations without
        responses, duplicate operationIds."""
        faults = []
        for where, ref in self.all_refs():
            try:
                self.resolve(ref)
            except SpecError as e:
                faults.append(f"{where}: {e}")
        if faults:
            return faults
        ids = {}
        for method, template in sorted(self.operations()):
            op = self._deref(self.doc["paths"][template])[method.lower()]
            name = f"{method} {template}"
            oid = op.get("operationId")
            if oid is not None:
                if oid in ids:
                    faults.append(f"{name}: operationId {oid} also used by {ids[oid]}")
                ids[oid] = name
            responses = op.get("responses")
            if not responses:
                faults.append(f"{name}: no responses")
                continue
            for code, resp in responses.items():
                try:
                    resp = self._deref(resp)
                    for h in (resp.get("headers") or {}).values():
                        h = self._deref(h)
                        if "schema" in h:
                            self._validator(h["schema"])
                    for media, mt in (resp.get("content") or {}).items():
                        if mt and "schema" in mt:
                            self._validator(mt["schema"])
                except (SpecError, jsonschema.exceptions.SchemaError) as e:
                    msg = e.message if hasattr(e, "message") else str(e)
                    faults.append(f"{name} {code}: {msg}")
        for key in ("x-unknown-route", "x-method-not-allowed"):
            if key in self.doc:
                try:
                    self._deref(self.doc[key])
                except SpecError as e:
                    faults.append(f"{key}: {e}")
        return faults


# ---- self-test ----

MINI_SPEC = """
openapi: 3.0.3
info: {title: mini, version: "1"}
x-unknown-route: {$ref: '#/components/responses/Err'}
x-method-not-allowed: {$ref: '#/components/responses/Err'}
paths:
  /things:
    get:
      responses:
        '200':
          description: ok
          headers:
            X-Request-Id: {required: true, schema: {type: string, pattern: '^[a-z0-9]+$'}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/List'}
        4XX: {$ref: '#/components/responses/Err'}
  /things/{id}:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        default: {$ref: '#/components/responses/Err'}
    delete:
      responses:
        '204': {description: gone}
  /things/special:
    get:
      responses:
        '200':
          description: text
          content:
            text/plain; version=0.0.4:
              schema: {type: string}
components:
  responses:
    Err:
      description: error
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
  schemas:
    Error:
      type: object
      additionalProperties: false
      required: [error]
      properties:
        error:
          type: object
          additionalProperties: false
          required: [code]
          properties:
            code: {type: string, enum: [bad, missing]}
    Thing:
      type: object
      additionalProperties: false
      required: [id, name, parent, score, tag]
      properties:
        id: {type: integer}
        name: {type: string}
        parent: {type: integer, nullable: true}
        score: {type: number}
        tag: {type: string, enum: [a, b], nullable: true}
        owner:
          allOf: [{$ref: '#/components/schemas/Owner'}]
          nullable: true
    Owner:
      type: object
      required: [name]
      properties:
        name: {type: string}
    List:
      type: object
      additionalProperties: false
      required: [things, next]
      properties:
        things: {type: array, items: {$ref: '#/components/schemas/Thing'}}
        next: {type: integer, nullable: true}
"""


def _j(v):
    return json.dumps(v).encode()


def selftest(spec_path=None):
    failures = []

    def expect(spec, ok, *args, **kw):
        problems = spec.check(*args, **kw)
        if ok and problems:
            failures.append(f"expected fine, got {problems} for {args[:4]}")
        elif not ok and not problems:
            failures.append(f"expected a problem, got none for {args[:4]} {args[4][:100]!r}")

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(MINI_SPEC)
    try:
        s = Spec(f.name)
        strict = Spec(f.name, fallbacks=False)
    finally:
        os.unlink(f.name)
    assert not s.lint(), s.lint()
    J = "application/json"
    thing = {"id": 1, "name": "x", "parent": None, "score": 1.5, "tag": None}
    # good ones
    expect(s, True, "GET", "/things/7?x=1", 200, J, _j(thing))
    expect(s, True, "get", "/things/7", 200, "application/json; charset=utf-8",
           _j(dict(thing, parent=3, score=2, tag="a", owner={"name": "n"})))
    expect(s, True, "GET", "/things/7", 200, J, _j(dict(thing, owner=None)))
    expect(s, True, "GET", "/things", 200, J, _j({"things": [thing], "next": None}),
           headers={"X-Request-Id": "abc123"})
    expect(s, True, "GET", "/things", 404, J, _j({"error": {"code": "missing"}}))   # 4XX
    expect(s, True, "GET", "/things/7", 500, J, _j({"error": {"code": "bad"}}))     # default
    expect(s, True, "DELETE", "/things/7", 204, None, b"")
    expect(s, True, "GET", "/things/special", 200, "text/plain; version=0.0.4; charset=utf-8",
           b"# not json\nx 1\n")
    expect(s, True, "GET", "/nowhere", 404, J, _j({"error": {"code": "missing"}}))  # fallback
    expect(s, True, "PUT", "/things", 405, J, _j({"error": {"code": "bad"}}))        # fallback
    # bad ones
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, extra=1)))        # extra field
    expect(s, False, "GET", "/things/7", 200, J, _j({"id": 1, "name": "x"}))      # missing
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, id="1")))         # wrong type
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, id=1.5)))         # not integer
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, name=None)))      # not nullable
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, tag="c")))        # enum
    expect(s, False, "GET", "/things/7", 200, J, _j(dict(thing, owner={})))       # $ref required
    expect(s, False, "GET", "/things/7", 200, "text/html", _j(thing))             # content type
    expect(s, False, "GET", "/things/7", 200, J, b"{not json")                   # not JSON
    expect(s, False, "GET", "/things/7", 200, None, _j(thing))                    # no type
    expect(s, False, "GET", "/things", 200, J, _j({"things": [dict(thing, score="hi")], "next": 1}))
    expect(s, False, "GET", "/things", 200, J, _j({"things": [], "next": None}),
           headers={"x-request-id": "NOT OK"})                                    # header pattern
    expect(s, False, "GET", "/things", 200, J, _j({"things": [], "next": None}), headers={})
    expect(s, False, "GET", "/things", 500, J, _j({"error": {"code": "bad"}}))    # status
    expect(s, False, "GET", "/things", 404, J, _j({"error": {"code": "gone"}}))   # enum
    expect(s, False, "GET", "/things", 404, J, _j({"error": {"code": "bad", "x": 1}}))
    expect(s, False, "POST", "/things/7", 200, J, _j(thing))                      # method
    expect(s, False, "GET", "/nowhere", 200, J, _j(thing))                        # no template
    expect(s, False, "GET", "/things/7/more", 200, J, _j(thing))                  # no template
    expect(s, False, "DELETE", "/things/7", 204, J, b"{}")                        # body on 204
    expect(s, False, "GET", "/things/special", 200, "text/plain", b"x 1\n")       # no version
    if s.match("/things/special") != "/things/special" or s.match("/things/8") != "/things/{id}":
        failures.append("literal segments should win over parameters")
    if s.match("/things//") is not None or s.match("/things/") is not None:
        failures.append("an empty segment should not match a parameter")
    want = {("GET", "/things"), ("GET", "/things/{id}"), ("DELETE", "/things/{id}"),
            ("GET", "/things/special")}
    if s.operations() != want or s.coverage() != want:
        failures.append(f"operations/coverage: {s.operations()} / {s.coverage()}")
    expect(strict, False, "GET", "/nowhere", 404, J, _j({"error": {"code": "missing"}}))
    expect(strict, False, "PUT", "/things", 405, J, _j({"error": {"code": "bad"}}))

    # the real spec, when there is one
    if spec_path and os.path.exists(spec_path):
        r = Spec(spec_path)
        faults = r.lint()
        if faults:
            failures += [f"{spec_path}: {x}" for x in faults]
        err = lambda code, rid="0123456789abcdef": _j(
            {"error": {"code": code, "message": "m", "request_id": rid}})
        expect(r, True, "GET", "/healthz", 200, J, _j({"status": "ok"}),
               headers={"X-Request-Id": "0123456789abcdef"})
        expect(r, True, "GET", "/readyz", 503, J, err("unavailable"))
        expect(r, True, "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", b"up 1\n")
        expect(r, True, "GET", "/api/v1/documents/12?x=1", 404, J, err("not_found"))
        expect(r, True, "GET", "/api/v1/nope", 404, J, err("not_found"))
        expect(r, True, "PUT", "/healthz", 405, J, err("method_not_allowed"),
               headers={"X-Request-Id": "a", "Allow": "GET"})
        expect(r, True, "GET", "/api/v1/search?q=x", 200, J, _j(
            {"query": "x", "parsed": "x", "took_ms": 1.2, "hits": [
                {"chunk_id": 1, "document_id": 2, "ext_id": "e", "source": "s", "kind": "k",
                 "title": "t", "url": "u", "heading": "a › b", "snippet": "<mark>x</mark>",
                 "score": 1.5, "page_first": 0, "page_last": 0}]}))
        expect(r, True, "GET", "/api/v1/sources", 200, J,
               _j({"sources": [{"name": "cli", "documents": 3, "last_run": None}]}))
        expect(r, False, "GET", "/healthz", 200, J, _j({"status": "ok", "x": 1}))
        expect(r, False, "GET", "/readyz", 503, J, err("internal"))            # code vs status
        expect(r, False, "GET", "/readyz", 503, J, _j({"error": {"code": "unavailable",
                                                                 "message": "m"}}))
        expect(r, False, "GET", "/metrics", 200, J, b"{}")
        expect(r, False, "GET", "/api/v1/search", 200, J,
               _j({"query": "x", "parsed": "x", "took_ms": 1, "hits": [], "total": 0}))
        expect(r, False, "GET", "/api/v1/documents", 200, J, _j({"documents": []}))
        expect(r, False, "DELETE", "/api/v1/documents/1", 204, None, b"",
               headers={})                                                   # no X-Request-Id
        expect(r, False, "GET", "/api/v1/jobs/1", 200, J, _j({"job": {
            "id": 1, "kind": "upload", "state": "lost", "user": "u", "created_ms": 1,
            "started_ms": 0, "finished_ms": 0, "files": 1, "result": None, "error": None}}))
        expect(r, False, "GET", "/api/v1/documents", 401, J, err("unauthorized"),
               headers={"X-Request-Id": "a"})                                 # no WWW-Authenticate
        expect(r, False, "GET", "/api/v1/nope", 405, J, err("method_not_allowed"))
        expect(r, False, "GET", "/healthz", 418, J, err("internal"))

    if failures:
        for x in failures:
            print("selftest FAIL:", x, file=sys.stderr)
        return 1
    print("selftest ok" + (f" (with {spec_path})" if spec_path and os.path.exists(spec_path) else ""))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--selftest":
        default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                               "openapi.yaml")
        return selftest(argv[2] if len(argv) > 2 else os.path.normpath(default))
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: openapi_check.py SPEC.yaml | --selftest [SPEC.yaml]", file=sys.stderr)
        return 2
    try:
        spec = Spec(argv[1])
        faults = spec.lint()
    except SpecError as e:
        print(f"openapi_check: {e}", file=sys.stderr)
        return 1
    if faults:
        for x in faults:
            print(f"openapi_check: {argv[1]}: {x}", file=sys.stderr)
        return 1
    print(f"{argv[1]}: {len(spec.operations())} operations, {len(spec.all_refs())} references resolved")
    return 0


if __name__ == "__main__":
    warnings.simplefilter("ignore", DeprecationWarning)
    sys.exit(main(sys.argv))
