"""Text read from stored evidence files, for search only (never a substitute for the file itself).

Each reader takes an open binary file and returns text, reading no more than it needs: at most
``MAX_CHARS`` characters are kept and plain files are read in chunks up to that much. A file that
cannot be read raises :class:`ExtractionError` with a reason for the person looking at the item;
a type we do not read raises :class:`UnsupportedType`.
"""

from __future__ import annotations

import codecs
import email
import zipfile
from collections.abc import Callable
from email import policy
from typing import BinaryIO

import docx
import openpyxl
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_CHARS = 1_000_000
# An e-mail is parsed whole by the standard library: only its first bytes are read.
MAX_EMAIL_BYTES = 20 * 1024 * 1024
# Office files are zip archives: refuse the ones that would inflate past this (zip bombs).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
CHUNK = 64 * 1024


class ExtractionError(Exception):
    """The file could not be read; the message says why."""


class UnsupportedType(Exception):  # noqa: N818 - a status, not a fault
    """We do not read text from this type of file."""


class _Collector:
    """Joins pieces of text until ``MAX_CHARS`` is reached; ``full`` tells the reader to stop."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= MAX_CHARS

    def add(self, text: str) -> None:
        if text and not self.full:
            text = text[: MAX_CHARS - self.size]
            self.parts.append(text)
            self.size += len(text)

    def text(self) -> str:
        return "\n".join(self.parts).strip()


def _decode(handle: BinaryIO) -> str:
    """UTF-8 (with or without BOM) if the bytes are valid UTF-8, else Windows-1252, else Latin-1."""
    head = handle.read(MAX_CHARS * 4)
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False: a character cut at the end of what was read is not an error.
            return decoder.decode(head, final=False)[:MAX_CHARS]
        except UnicodeDecodeError:
            continue
    raise ExtractionError(_("The text encoding could not be recognised."))  # latin-1 never fails


def read_plain(handle: BinaryIO) -> str:
    text = _decode(handle)
    if "\x00" in text:
        raise ExtractionError(_("The file holds binary data, not text."))
    return text.strip()


def read_pdf(handle: BinaryIO) -> str:
    collector = _Collector()
    try:
        reader = PdfReader(handle)
        if reader.is_encrypted:
            raise ExtractionError(_("The PDF is encrypted."))
        for page in reader.pages:
            collector.add(page.extract_text() or "")
            if collector.full:
                break
    except ExtractionError:
        raise
    # PyPdfError includes LimitReachedError: pypdf's own caps on decompression (a "PDF bomb") and on
    # tokens per stream; a hostile nesting of arrays exhausts the recursion limit.
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ExtractionError(_("The PDF could not be read (%(error)s).") % {"error": type(exc).__name__}) from exc
    return collector.text()


def read_email(handle: BinaryIO) -> str:
    message = email.message_from_bytes(handle.read(MAX_EMAIL_BYTES), policy=policy.default)
    collector = _Collector()
    for header in ("From", "To", "Cc", "Date", "Subject"):
        if message[header]:
            collector.add(f"{header}: {message[header]}")
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_attachment():
            continue
        try:
            content = part.get_content()
        except (LookupError, UnicodeError):  # an unknown or wrong charset: keep the bytes as Latin-1
            content = (part.get_payload(decode=True) or b"").decode("latin-1")
        if part.get_content_subtype() == "html":
            content = strip_tags(content)
        collector.add(content)
    return collector.text()


def _check_zip(handle: BinaryIO) -> None:
    try:
        with zipfile.ZipFile(handle) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ExtractionError(_("The document is damaged (not a valid archive).")) from exc
    if inflated > MAX_UNZIPPED_BYTES:
        raise ExtractionError(_("The document is too large once uncompressed."))
    handle.seek(0)


def read_docx(handle: BinaryIO) -> str:
    _check_zip(handle)
    collector = _Collector()
    try:
        document = docx.Document(handle)
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise ExtractionError(_("The Word document could not be read.")) from exc
    for paragraph in document.paragraphs:
        collector.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            collector.add(" ".join(cell.text for cell in row.cells))
            if collector.full:
                break
    return collector.text()


def read_xlsx(handle: BinaryIO) -> str:
    _check_zip(handle)
    collector = _Collector()
    try:
        # read_only streams rows instead of building the whole workbook in memory.
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise ExtractionError(_("The spreadsheet could not be read.")) from exc
    try:
        for sheet in workbook.worksheets:
            collector.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                collector.add(" ".join(str(value) for value in row if value is not None))
                if collector.full:
                    return collector.text()
    finally:
        workbook.close()
    return collector.text()


READERS: dict[str, Callable[[BinaryIO], str]] = {
    "application/pdf": read_pdf,
    "message/rfc822": read_email,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": read_docx,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": read_xlsx,
}


def reader_for(media_type: str) -> Callable[[BinaryIO], str]:
    if media_type in READERS:
        return READERS[media_type]
    if media_type.startswith("text/"):  # text/plain, text/csv and the like
        return read_plain
    raise UnsupportedType(media_type)


def extract_text(handle: BinaryIO, media_type: str) -> str:
    """The text of an open file of ``media_type``, at most ``MAX_CHARS`` characters."""
    return reader_for(media_type)(handle)
