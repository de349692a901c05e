"""Real files of each type the search reads, made in memory (a PDF with a text layer, Word, Excel, e-mail)."""

from __future__ import annotations

import io
from email.message import EmailMessage

import docx
import openpyxl
from django.core.files.base import ContentFile

from apps.evidence import services as evidence_services
from apps.evidence.text import extract_blob_text


def pdf_with_text(*lines: str) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Helvetica, WinAnsi: French accents included)."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({_pdf_escape(line)}) '" for line in lines) + " ET"
    stream = content.encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def docx_with_text(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_with_text(text: str) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Traitement"
    workbook.active["B2"] = text
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def eml_with_text(text: str) -> bytes:
    message = EmailMessage()
    message["From"] = "dpo@mutuelle.example"
    message["To"] = "controle@cnil.test"
    message["Subject"] = "Réponse au contrôle"
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p>", subtype="html")
    return message.as_bytes()


def register(actor, case, content: bytes, name: str, title: str = "Pièce", **fields):
    return evidence_services.evidence_register(
        actor=actor, case=case, upload=ContentFile(content, name=name), title=title, source="documentary", **fields
    )


def extracted(evidence):
    """Run the extraction task as the worker does (its function, in this process), then reload."""
    extract_blob_text(evidence.blob_id)
    evidence.blob.refresh_from_db()
    return evidence.blob
