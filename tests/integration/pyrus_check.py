#!/usr/bin/env python3
"""Compares sufler's store with the Pyrus stand-in's ground truth (GET /_control/dump).

usage: pyrus_check.py STANDIN_URL DATA_DIR [--source pyrus] [--skip ID,...]

--skip: tasks not checked (one that failed on purpose and may be stale or missing).

Checks, for every task of the stand-in, computed here from the raw tasks and independently of
sufler's code: the ticket exists once, with the task's modification, creation and close times,
subject, form, outcome, reopen count, category (the catalog item's name) and its id; its comments
are exactly the task's (ids, order, author role, channel, internal flag, action, text); its
resolution holds the last staff reply to the requester before the ticket was finished and the
resolution field; every attachment is a ticket file with status ok and a stored document; a
solved ticket is a "ticket" document with the problem and the resolution, and no internal note
appears in any "ticket" document. No ticket exists that the stand-in does not have. Prints a
summary as JSON; exits 1 listing the first differences.
"""
import json
import sqlite3
import sys
import urllib.request
from datetime import datetime, timezone

NOTE_MARKERS = ("ВНУТР", "INTERNAL")


def ms(s):
    if not s:
        return 0
    s = s.rstrip("Z")
    frac = 0
    if "." in s:
        s, f = s.split(".", 1)
        frac = int((f + "000")[:3])
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(d.timestamp()) * 1000 + frac


def flat(fields):
    for f in fields or []:
        yield f
        v = f.get("value")
        if isinstance(v, dict) and isinstance(v.get("fields"), list):
            yield from flat(v["fields"])
        if isinstance(v, list):
            for row in v:
                if isinstance(row, dict):
                    yield from flat(row.get("cells"))


CODES = {}  # form id -> field code -> field id (from the forms of the dump)


def form_codes(forms):
    def walk(fields, out):
        for f in fields or []:
            info = f.get("info") or {}
            if info.get("code"):
                out[info["code"]] = f["id"]
            walk(info.get("fields"), out)
    for form in forms:
        CODES[form["id"]] = {}
        walk(form.get("fields"), CODES[form["id"]])


def field(task, code):
    fid = CODES.get(task.get("form_id"), {}).get(code)
    for f in flat(task.get("fields")):
        if f.get("code") == code or (fid is not None and f.get("id") == fid):
            return f
    return None


def text_of(v):
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        if "choice_names" in v:
            return ", ".join(v["choice_names"])
        if v.get("values"):
            return v["values"][0]
    return ""


def expected(task):
    author = (task.get("author") or {}).get("id")
    comments = []
    last_reply = None
    resolution_reply = None
    reopens = 0
    for c in task.get("comments") or []:
        a = c.get("author") or {}
        role = "bot" if a.get("type") == "bot" else "requester" if a.get("id") == author else "staff"
        ch = c.get("channel")
        channel = (ch or {}).get("type", "") if isinstance(ch, dict) else (ch or "")
        text = c.get("text") or ""
        internal = role == "staff" and not channel
        if role == "staff" and not internal and text:
            last_reply = text
        action = c.get("action") or ""
        if action == "finished" and last_reply:
            resolution_reply = last_reply
        if action == "reopened":
            reopens += 1
        comments.append((str(c["id"]), role, channel, int(internal), action))
    res_field = text_of((field(task, "resolution") or {}).get("value"))
    cat = field(task, "category")
    catv = (cat or {}).get("value") or {}
    cat_name = text_of(catv) if cat else ""
    cat_id = ""
    if isinstance(catv, dict):
        cid = catv.get("item_id") or (catv.get("item_ids") or [None])[0]
        cat_id = str(cid) if cid else ""
    files = set()
    for a in task.get("attachments") or []:
        files.add(str(a["id"]))
    for c in task.get("comments") or []:
        for a in c.get("attachments") or []:
            files.add(str(a["id"]))
    outcome = "closed" if task.get("close_date") else ("reopened" if reopens else "open")
    return {
        "comments": comments,
        "resolution_reply": resolution_reply or "",
        "resolution_field": res_field or "",
        "category": cat_name,
        "category_id": cat_id,
        "files": files,
        "outcome": outcome,
        "reopens": reopens,
    }


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    url, data = args[0].rstrip("/"), args[1]
    source = "pyrus"
    allow = set()
    i = 2
    while i < len(args):
        if args[i] == "--source":
            source = args[i + 1]
            i += 2
        elif args[i] == "--skip":
            allow = set(x for x in args[i + 1].split(",") if x)
            i += 2
        else:
            print("unknown argument " + args[i], file=sys.stderr)
            sys.exit(2)
    dump = json.load(urllib.request.urlopen(url + "/_control/dump", timeout=60))
    form_codes(dump.get("forms") or [])
    tasks = {str(t["id"]): t for t in dump["tasks"]}
    db = sqlite3.connect("file:%s/sufler.db?mode=ro" % data, uri=True)
    rows = {r[0]: r for r in db.execute(
        "SELECT ext_id, id, form_id, subject, resolution, outcome, reopens, category, category_id, created_ms,"
        " closed_ms, modified_ms, problem FROM tickets WHERE source = ?", (source,))}
    diffs = []

    def diff(tid, what):
        if len(diffs) < 40:
            diffs.append("task %s: %s" % (tid, what))
        else:
            diffs.append(None)

    counts = {"tasks": len(tasks), "tickets": len(rows), "comments": 0, "files": 0, "ticket_docs": 0, "notes_leaked": 0}
    for tid, t in tasks.items():
        if tid in allow:
            continue
        r = rows.get(tid)
        if r is None:
            diff(tid, "missing from the store")
            continue
        e = expected(t)
        _, rowid, form_id, subject, resolution, outcome, reopens, category, category_id, created, closed, modified, problem = r
        checks = [
            ("form_id", form_id, str(t.get("form_id"))),
            ("subject", subject, t.get("subject") or ""),
            ("outcome", outcome, e["outcome"]),
            ("reopens", reopens, e["reopens"]),
            ("category", category, e["category"]),
            ("category_id", category_id, e["category_id"]),
            ("created_ms", created, ms(t.get("create_date"))),
            ("closed_ms", closed, ms(t.get("close_date"))),
            ("modified_ms", modified, ms(t.get("last_modified_date"))),
        ]
        for name, got, want in checks:
            if got != want:
                diff(tid, "%s is %r, expected %r" % (name, got, want))
        if e["resolution_reply"] and e["resolution_reply"] not in resolution:
            diff(tid, "resolution lacks the last staff reply before finishing")
        if e["resolution_field"] and e["resolution_field"] not in resolution:
            diff(tid, "resolution lacks the resolution field")
        got_c = [(c[0], c[1], c[2], c[3], c[4]) for c in db.execute(
            "SELECT ext_id, role, channel, internal, action FROM ticket_comments WHERE ticket_id = ? ORDER BY ord",
            (rowid,))]
        counts["comments"] += len(got_c)
        if got_c != e["comments"]:
            diff(tid, "comments differ: %d stored, %d expected; first difference %r" % (
                len(got_c), len(e["comments"]),
                next(((a, b) for a, b in zip(got_c, e["comments"]) if a != b), None)))
        got_f = {f[0]: f for f in db.execute(
            "SELECT ext_id, status, doc_ext_id FROM ticket_files WHERE ticket_id = ?", (rowid,))}
        counts["files"] += len(got_f)
        if set(got_f) != e["files"]:
            diff(tid, "attachments %s, expected %s" % (sorted(got_f), sorted(e["files"])))
        for fid, f in got_f.items():
            if f[1] != "ok":
                diff(tid, "attachment %s has status %s" % (fid, f[1]))
                continue
            n = db.execute("SELECT COUNT(*) FROM documents WHERE source = ? AND ext_id = ?",
                           (source + ":files", f[2])).fetchone()[0]
            n += db.execute("SELECT COUNT(*) FROM doc_refs WHERE source = ? AND ext_id = ?",
                            (source + ":files", f[2])).fetchone()[0]
            if n != 1:
                diff(tid, "attachment %s: its document %r is not stored" % (fid, f[2]))
        doc = db.execute("SELECT d.id, d.kind, d.category FROM documents d WHERE d.source = ? AND d.ext_id = ?",
                         (source, tid)).fetchone()
        solved = bool(resolution) and bool(problem)
        if solved != (doc is not None):
            diff(tid, "ticket document %s, expected %s" % ("present" if doc else "absent", "present" if solved else "absent"))
        if doc:
            counts["ticket_docs"] += 1
            if doc[1] != "ticket" or doc[2] != category:
                diff(tid, "ticket document kind %r category %r" % (doc[1], doc[2]))
            text = "\n".join(x[0] for x in db.execute("SELECT text FROM chunks WHERE doc_id = ?", (doc[0],)))
            if any(m in text for m in NOTE_MARKERS):
                counts["notes_leaked"] += 1
                diff(tid, "an internal note appears in the ticket document")
            if e["resolution_reply"] and e["resolution_reply"] not in text:
                diff(tid, "the ticket document lacks the resolution")
    extra = sorted(set(rows) - set(tasks))
    for tid in extra[:10]:
        diff(tid, "in the store but not in Pyrus")
    counts["extra"] = len(extra)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    counts["integrity"] = integrity
    if integrity != "ok":
        diffs.append("integrity_check: " + integrity)
    counts["differences"] = len(diffs)
    print(json.dumps(counts, ensure_ascii=False))
    if diffs:
        for d in diffs:
            if d:
                print("  " + d, file=sys.stderr)
        if None in diffs:
            print("  ... and more", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
