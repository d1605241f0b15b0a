#!/usr/bin/env python3
"""Test fixtures for ingestion, made from scratch (standard library only).

  fixtures.py formats DIR     one small file of every format sufler reads, each with a known
                              marker sentence (DIR.expected.json, beside it, maps file -> marker)
  fixtures.py malformed DIR   at least 50 broken, hostile or misnamed files (DIR.manifest.json,
                              beside it, lists them with what each one is)
  fixtures.py many DIR N      N small HTML and Markdown files (incremental-run tests)

Office files are written as the ZIP-of-XML they are; nothing here comes from elsewhere.
"""
import io
import json
import os
import random
import struct
import subprocess
import sys
import zipfile
import zlib

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def zwrite(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, body in members:
            z.writestr(name, body)


def docx(path, title, paras, heading=None):
    body = ""
    if heading:
        body += f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{heading}</w:t></w:r></w:p>'
    for p in paras:
        body += f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"
    zwrite(path, [("[Content_Types].xml", "<Types/>"),
                  ("word/document.xml", f"<w:document {W}><w:body>{body}</w:body></w:document>"),
                  ("docProps/core.xml", f'<cp:coreProperties xmlns:cp="c" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                                        f"<dc:title>{title}</dc:title></cp:coreProperties>")])


def odt(path, heading, para):
    zwrite(path, [("mimetype", "application/vnd.oasis.opendocument.text"),
                  ("content.xml", '<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>'
                                  f'<text:h text:outline-level="1">{heading}</text:h><text:p>{para}</text:p>'
                                  "</office:text></office:body></office:document-content>")])


def xlsx(path, rows):
    strings, idx = [], {}

    def si(s):
        if s not in idx:
            idx[s] = len(strings)
            strings.append(s)
        return idx[s]
    sheet = "".join(
        f'<row r="{r + 1}">' + "".join(f'<c r="{chr(65 + c)}{r + 1}" t="s"><v>{si(v)}</v></c>' for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows))
    zwrite(path, [("[Content_Types].xml", "<Types/>"),
                  ("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="Лист1" r:id="rId1"/></sheets></workbook>'),
                  ("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'),
                  ("xl/sharedStrings.xml", "<sst>" + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"),
                  ("xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{sheet}</sheetData></worksheet>")])


def ods(path, rows):
    xml = "".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{v}</text:p></table:table-cell>" for v in row)
                  + "</table:table-row>" for row in rows)
    zwrite(path, [("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
                  ("content.xml", '<office:document-content xmlns:office="o" xmlns:text="t" xmlns:table="b"><office:body>'
                                  f'<office:spreadsheet><table:table table:name="Лист1">{xml}</table:table>'
                                  "</office:spreadsheet></office:body></office:document-content>")])


def pdf_text(path, lines):
    """A one-page PDF whose text layer holds lines (Latin-1 only: the standard Helvetica)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({l}) '" for l in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(out.tell())
        out.write(f"{i + 1} 0 obj\n{o}\nendobj\n".encode("latin-1"))
    x = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for o in offs:
        out.write(f"{o:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n".encode())
    with open(path, "wb") as f:
        f.write(out.getvalue())


def png(path, w, h, pixels=None, declared=None):
    """A greyscale PNG; declared=(W, H) writes a header claiming another size."""
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    dw, dh = declared or (w, h)
    raw = b"".join(b"\0" + bytes(pixels[y * w:(y + 1) * w] if pixels else [255] * w) for y in range(h))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", dw, dh, 8, 0, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def formats(d):
    os.makedirs(d, exist_ok=True)
    exp = {}

    def put(name, marker):
        exp[name] = marker
    with open(f"{d}/page.html", "w", encoding="utf-8") as f:
        f.write("<html><head><title>Справка по почте</title></head><body><nav>меню</nav>"
                "<h1>Почта</h1><p>маркерхтмл: откройте клиент почты.</p></body></html>")
    put("page.html", "маркерхтмл")
    with open(f"{d}/guide.md", "w", encoding="utf-8") as f:
        f.write("# Руководство\n\n## Раздел\n\nмаркермд: перезапустите службу.\n")
    put("guide.md", "маркермд")
    with open(f"{d}/old.txt", "wb") as f:
        f.write("Старый файл в кодировке 1251.\n\nмаркерсрр: проверьте кабель.\n".encode("cp1251"))
    put("old.txt", "маркерсрр")
    with open(f"{d}/koi.txt", "wb") as f:
        f.write("Файл в КОИ-8.\n\nмаркеркои: сбросьте пароль.\n".encode("koi8_r"))
    put("koi.txt", "маркеркои")
    with open(f"{d}/wide.txt", "wb") as f:
        f.write("\ufeffФайл в UTF-16.\n\nмаркерютф: обновите драйвер.\n".encode("utf-16-le"))
    put("wide.txt", "маркерютф")
    with open(f"{d}/faq.csv", "w", encoding="cp1251") as f:
        f.write("Вопрос;Ответ\nКак войти;маркерцсв: через портал\n")
    put("faq.csv", "маркерцсв")
    with open(f"{d}/export.json", "w", encoding="utf-8") as f:
        json.dump({"items": [{"id": 1, "question": "Принтер", "answer": "маркерджсон: замените картридж"}]}, f, ensure_ascii=False)
    put("export.json", "маркерджсон")
    with open(f"{d}/log.jsonl.txt", "w", encoding="utf-8") as f:
        f.write("обычный текст, а не JSONL: маркертхт\n")
    put("log.jsonl.txt", "маркертхт")
    with open(f"{d}/tickets.xml", "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?><tickets><ticket id="7"><title>Сеть</title><text>маркерхмл: нет доступа</text></ticket>'
                '<ticket id="8"><title>Почта</title><text>не уходят письма</text></ticket></tickets>')
    put("tickets.xml", "маркерхмл")
    docx(f"{d}/memo.docx", "Памятка", ["маркердокс: подключите VPN."], heading="Памятка")
    put("memo.docx", "маркердокс")
    odt(f"{d}/note.odt", "Заметка", "маркеродт: очистите кэш.")
    put("note.odt", "маркеродт")
    xlsx(f"{d}/table.xlsx", [["Код", "Решение"], ["E1", "маркерхлсх: перезагрузите"]])
    put("table.xlsx", "маркерхлсх")
    ods(f"{d}/table.ods", [["Код", "Решение"], ["E2", "маркеродс: обновите"]])
    put("table.ods", "маркеродс")
    pdf_text(f"{d}/manual.pdf", ["Printer manual", "markerpdf: replace the toner cartridge."])
    put("manual.pdf", "markerpdf")
    # beside the folder, not in it: the markers must come from the files alone
    with open(f"{d}.expected.json", "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=1)


def malformed(d):
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(20261122)
    man = {}

    def wb(name, data, what):
        with open(f"{d}/{name}", "wb") as f:
            f.write(data)
        man[name] = what
    for ext in ("txt", "pdf", "docx", "html", "xlsx", "png", "json", "csv", "md", "odt"):
        wb(f"empty.{ext}", b"", "empty file")
    # truncated and damaged containers
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document {W}><w:body>" + "<w:p><w:r><w:t>текст</w:t></w:r></w:p>" * 2000
                   + "</w:body></w:document>")
    g = good.getvalue()
    for i, frac in enumerate((0.1, 0.5, 0.9, 0.99)):
        wb(f"truncated{i}.docx", g[:int(len(g) * frac)], f"DOCX cut at {int(frac * 100)}%")
    wb("zip_garbage.xlsx", b"PK\x03\x04" + bytes(rnd.getrandbits(8) for _ in range(4000)), "ZIP header, random body")
    wb("notazip.docx", b"this is plain text pretending to be a DOCX\n" * 10, "text named .docx")
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    wb("truncated.pdf", pdf, "PDF with no pages, no xref, no end")
    wb("garbage.pdf", b"%PDF-1.7\n" + bytes(rnd.getrandbits(8) for _ in range(20000)), "PDF header, random body")
    wb("loop.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Pages /Kids [1 0 R] /Count 1 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
       "PDF whose page tree points at itself")
    # misnamed
    png(f"{d}/image.pdf", 8, 8)
    man["image.pdf"] = "PNG named .pdf"
    try:
        wb("program.txt", open("/bin/true", "rb").read(), "ELF executable named .txt")
    except OSError:
        wb("program.txt", b"\x7fELF\x02\x01\x01" + b"\0" * 1000, "ELF header named .txt")
    wb("pdf_as_docx.docx", b"%PDF-1.4\n%%EOF\n", "PDF stub named .docx")
    # zip bombs
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<" + "a" * (300 << 20))
    wb("bomb.docx", bomb.getvalue(), "DOCX whose document.xml unpacks to 300 MiB")
    bomb2 = io.BytesIO()
    with zipfile.ZipFile(bomb2, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", " " * (50 << 20))
    wb("bomb.odt", bomb2.getvalue(), "ODT with a 50 MiB run of spaces (ratio ~1000:1)")
    inner = bomb.getvalue()
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as z:
        z.writestr("inner.docx", inner)
    wb("nested.zip", nested.getvalue(), "a ZIP holding a zip bomb")
    # hostile XML and HTML
    wb("deep.xml", b"<a>" * 200000 + b"x" + b"</a>" * 200000, "XML nested 200,000 deep")
    laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 12)) + "]><l>&l11;</l>"
    wb("laughs.xml", laughs.encode(), "billion laughs")
    deep_doc = io.BytesIO()
    with zipfile.ZipFile(deep_doc, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document {W}><w:body>" + "<w:sdt><w:sdtContent>" * 5000
                   + "</w:sdtContent></w:sdt>" * 5000 + "</w:body></w:document>")
    wb("deep.docx", deep_doc.getvalue(), "DOCX nested 10,000 deep")
    wb("deep.html", b"<html><body>" + b"<div>" * 100000 + b"deep" + b"</div>" * 100000 + b"</body></html>", "HTML nested 100,000 deep")
    wb("tags.html", b"<p>" + b"<b><i>" * 50000 + b"x", "HTML with 100,000 unclosed tags")
    wb("binary.html", b"<html>" + bytes(rnd.getrandbits(8) for _ in range(50000)), "HTML start, random bytes")
    wb("bad.xml", b"<?xml version='1.0'?><a><b></a>", "XML with crossed tags")
    # encodings and long lines
    wb("invalid_utf8.txt", "Текст с битыми байтами: ".encode() + b"\xff\xfe\xc3\x28\xe2\x82" + " конец.".encode(),
       "UTF-8 with invalid sequences")
    wb("nul.txt", b"text\0with\0nuls\0" * 1000, "text full of NUL bytes")
    wb("longline.txt", ("слово " * (1 << 20)).encode(), "one 12 MiB line")
    wb("controls.txt", bytes(rnd.choice(range(1, 31)) for _ in range(10000)), "control characters only")
    wb("random1.bin", bytes(rnd.getrandbits(8) for _ in range(10000)), "random bytes")
    wb("random2.dat", bytes(rnd.getrandbits(8) for _ in range(100000)), "random bytes")
    wb("random3.txt", bytes(rnd.getrandbits(8) for _ in range(5000)), "random bytes named .txt")
    # JSON and CSV
    wb("deep.json", b"[" * 100000 + b"]" * 100000, "JSON nested 100,000 deep")
    wb("broken.json", b'{"items": [{"id": 1, "text": "a"', "JSON cut short")
    wb("lines.jsonl", b'{"text": "ok"}\n{oops\n' + b"[1,2]\n" * 10, "JSONL with bad lines")
    wb("quotes.csv", b'a,b\n"unclosed,1\n2,3\n' * 100, "CSV with an unclosed quote")
    wb("bigcell.csv", b'a,b\n"' + b"x" * (3 << 20) + b'",1\n', "CSV with a 3 MiB cell")
    wb("nul.json", b'{"text": "a\\u0000b"}', "JSON with an escaped NUL")
    # images
    png(f"{d}/tiny.png", 2, 2)
    man["tiny.png"] = "2x2 white PNG (no text)"
    png(f"{d}/huge_header.png", 4, 4, declared=(200000, 200000))
    man["huge_header.png"] = "PNG claiming 200000x200000 pixels"
    with open(f"{d}/tiny.png", "rb") as f:
        t = f.read()
    wb("truncated.png", t[:30], "PNG cut after its header")
    wb("garbage.jpg", b"\xff\xd8\xff\xe0" + bytes(rnd.getrandbits(8) for _ in range(3000)), "JPEG marker, random body")
    wb("header.tif", b"II*\0\x08\0\0\0", "TIFF header only")
    w, h = 300, 200
    png(f"{d}/noise.png", w, h, [rnd.getrandbits(8) for _ in range(w * h)])
    man["noise.png"] = "300x200 of random grey noise"
    # password-protected and legacy Office
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000
    wb("protected.docx", cfb, "encrypted OOXML (an OLE container with EncryptedPackage)")
    wb("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000, "legacy .doc (OLE)")
    enc = io.BytesIO()
    with zipfile.ZipFile(enc, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<x/>")
    e = bytearray(enc.getvalue())
    # set the "encrypted" flag in both headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        i = 0
        while (i := e.find(sig, i)) >= 0:
            off = i + (6 if sig == b"PK\x03\x04" else 8)
            e[off] |= 1
            i += 4
    wb("zipcrypto.docx", bytes(e), "DOCX whose members are flagged encrypted")
    # an encrypted PDF (qpdf, AES-256, a user password)
    plain = f"{d}/.plain.pdf"
    pdf_text(plain, ["Secret manual", "nobody should read this without the password"])
    try:
        subprocess.run(["qpdf", "--encrypt", "userpw", "ownerpw", "256", "--", plain, f"{d}/encrypted.pdf"], check=True)
        man["encrypted.pdf"] = "PDF encrypted with a user password (AES-256)"
    except (OSError, subprocess.CalledProcessError):
        pass
    os.remove(plain)
    wb("gz.txt.gz", zlib.compress(b"x" * 1000)[:2] + b"\x1f\x8b" + b"\0" * 100, "gzip stream")
    wb("gzip.gz", b"\x1f\x8b\x08\x00" + b"\0" * 100, "gzip header")
    # xlsx pointing at strings that do not exist
    zwrite(f"{d}/badref.xlsx", [("[Content_Types].xml", "<Types/>"),
                                ("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>'),
                                ("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>999999</v></c>'
                                 '<c r="ZZZZZZ1"><v>1</v></c></row></sheetData></worksheet>')])
    man["badref.xlsx"] = "XLSX with a missing shared string and an impossible column"
    zwrite(f"{d}/noworkbook.xlsx", [("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml.bak", "x"), ("xl/x", "<a/>")])
    man["noworkbook.xlsx"] = "XLSX without its workbook"
    zwrite(f"{d}/nocontent.odt", [("mimetype", "application/vnd.oasis.opendocument.text")])
    man["nocontent.odt"] = "ODT without content.xml"
    with open(f"{d}.manifest.json", "w", encoding="utf-8") as f:
        json.dump(man, f, ensure_ascii=False, indent=1)
    return man


def many(d, n):
    os.makedirs(d, exist_ok=True)
    words = ("сеть принтер почта пароль доступ сервер диск кабель драйвер обновление ошибка клиент "
             "портал заявка отчёт таблица склад касса лицензия антивирус").split()
    rnd = random.Random(7)
    for i in range(n):
        body = " ".join(rnd.choice(words) for _ in range(120))
        if i % 2:
            with open(f"{d}/doc{i:05d}.md", "w", encoding="utf-8") as f:
                f.write(f"# Статья {i}\n\n{body} номер{i}.\n")
        else:
            with open(f"{d}/doc{i:05d}.html", "w", encoding="utf-8") as f:
                f.write(f"<html><title>Статья {i}</title><body><h1>Статья {i}</h1><p>{body} номер{i}.</p></body></html>")


if __name__ == "__main__":
    cmd, out = sys.argv[1], sys.argv[2]
    if cmd == "formats":
        formats(out)
    elif cmd == "malformed":
        m = malformed(out)
        print(len(m), "malformed files", file=sys.stderr)
    elif cmd == "many":
        many(out, int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")
