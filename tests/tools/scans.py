#!/usr/bin/env python3
"""Renders Russian text as scanned pages for the OCR tests: DejaVu Sans, 300 dpi, turned by a few
degrees, with Gaussian noise (ImageMagick's convert). Writes DIR/scanN.png (or .pdf, an
image-only page) and DIR/scanN.txt with the source text.

  scans.py DIR          three short pages (the OCR tests)
  scans.py a4 DIR N     N full A4 pages at 300 dpi (2480x3508), about 2,000 characters each,
                        turned by up to 2 degrees, with noise (the OCR benchmark)
"""
import os
import subprocess
import sys
import zlib

TEXTS = [
    "Если после обновления системы принтер перестал печатать, откройте очередь печати и удалите "
    "зависшие задания. Затем перезапустите службу печати и отправьте пробную страницу. Когда "
    "ошибка повторяется, переустановите драйвер с сайта производителя и проверьте кабель.",
    "Для подключения к корпоративной сети из дома запустите клиент VPN и введите логин и пароль "
    "учётной записи. При ошибке подключения проверьте дату и время на компьютере, затем "
    "убедитесь, что антивирус не блокирует соединение. Заявку можно оставить на портале.",
    "Пароль от почты меняется на портале самообслуживания раз в девяносто дней. Новый пароль "
    "должен содержать не менее десяти символов, цифры и заглавные буквы. После смены пароля "
    "обновите его в почтовом клиенте на телефоне, иначе учётная запись будет заблокирована.",
]
ANGLES = [2.0, -4.5, 3.0]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def render(text, angle, out_png):
    cmd = ["convert", "-density", "300", "-background", "white", "-fill", "black", "-font", FONT,
           "-pointsize", "12", "-size", "2200x", f"caption:{text}", "-bordercolor", "white",
           "-border", "140", "-background", "white", "-rotate", str(angle), "-flatten",
           "-blur", "0x0.8", "-attenuate", "0.8", "+noise", "Gaussian", "-colorspace", "Gray", "-depth", "8",
           "-units", "PixelsPerInch", "-density", "300", out_png]
    subprocess.run(cmd, check=True)


def png_to_pdf(png, pdf):
    """An image-only PDF page (what a scanner makes): the grey pixels, deflated."""
    w, h = map(int, subprocess.run(["identify", "-format", "%w %h", png], check=True,
                                   capture_output=True, text=True).stdout.split())
    raw = subprocess.run(["convert", png, "-depth", "8", "gray:-"], check=True, capture_output=True).stdout
    img = zlib.compress(raw)
    pw, ph = w * 72 / 300, h * 72 / 300
    content = f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im0 Do Q".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2f} {ph:.2f}] /Contents 4 0 R "
            f"/Resources << /XObject << /Im0 5 0 R >> >> >>".encode(),
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(img)} >>\nstream\n".encode() + img + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    with open(pdf, "wb") as f:
        f.write(out)


def main(d):
    os.makedirs(d, exist_ok=True)
    for i, (text, angle) in enumerate(zip(TEXTS, ANGLES)):
        with open(f"{d}/scan{i}.txt", "w", encoding="utf-8") as f:
            f.write(text)
        png = f"{d}/scan{i}.png"
        render(text, angle, png)
        if i == 2:
            png_to_pdf(png, f"{d}/scan{i}.pdf")
            os.remove(png)


def a4(d, n):
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        text = " ".join(TEXTS[(i + k) % len(TEXTS)] for k in range(5))
        with open(f"{d}/page{i:03d}.txt", "w", encoding="utf-8") as f:
            f.write(text)
        # one caption per paragraph (a caption's unwrapped width must stay under ImageMagick's
        # 16K-pixel limit), stacked with a blank line between them, on an A4 page
        cmd = ["convert", "-density", "300", "-background", "white", "-fill", "black", "-font", FONT,
               "-pointsize", "11"]
        for k in range(5):
            cmd += ["-size", "2100x", f"caption:{TEXTS[(i + k) % len(TEXTS)]}", "-size", "2100x60", "xc:white"]
        cmd += ["-append", "-gravity", "north", "-extent", "2480x3508-190-250", "-rotate", str((i % 5 - 2) * 0.8),
                "-gravity", "center", "-extent", "2480x3508", "+repage", "-blur", "0x0.6", "-attenuate", "0.6",
                "+noise", "Gaussian", "-colorspace", "Gray", "-depth", "8", "-units", "PixelsPerInch", "-density",
                "300", f"{d}/page{i:03d}.png"]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    if sys.argv[1] == "a4":
        a4(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1])
