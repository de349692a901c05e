"""Streaming uploads: chunks go to a temporary file, SHA-256 is computed in the same pass.

Django's multipart parser hands each chunk to the upload handler; this one never keeps the file
in memory, stops the upload as soon as a file exceeds the limit, and leaves on the uploaded
file its ``sha256`` and ``size``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler


class HashingUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.max_size = settings.EVIDENCE_MAX_UPLOAD_SIZE
        self.too_big = False
        self.truncated = False
        self._input = None
        self._content_length = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 - Django's name
        self._input, self._content_length = input_data, content_length
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def upload_complete(self):
        # A client that disconnects mid-body: under some servers the read simply ends early
        # (wsgiref), and the multipart parser completes the last file with what it got. The body
        # is complete only if every declared byte was read. (Django's LimitedStream keeps the
        # count in ``_pos``; gunicorn raises instead, which Django turns into UnreadablePostError.)
        stream = getattr(self._input, "_stream", self._input)  # the request, or its stream
        position = getattr(stream, "_pos", None)
        if position is not None and self._content_length is not None and position < self._content_length:
            self.truncated = True
        return super().upload_complete()

    def new_file(self, field_name, file_name, *args, **kwargs):
        # Not TemporaryFileUploadHandler's: its temporary file takes the client's extension as suffix,
        # and a hostile name (hundreds of characters, path parts) must never reach the file system.
        FileUploadHandler.new_file(self, field_name, display_filename(file_name), *args, **kwargs)
        self.file = temporary_upload(self.file_name, self.content_type, self.charset, self.content_type_extra)
        self._hasher = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data, start):
        self._size += len(raw_data)
        if self._size > self.max_size:
            self.too_big = True
            self.file.close()  # the temporary file is removed at once
            raise StopUpload(connection_reset=True)
        self._hasher.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.sha256 = self._hasher.hexdigest()
            uploaded.hashed_size = self._size
        return uploaded


MAX_FILENAME_CHARS = 200
MAX_EXTENSION_CHARS = 16


def display_filename(name: str) -> str:
    """The client's file name, for display and downloads only: bytes are stored under their SHA-256,
    never under this name.

    A hostile name is made safe rather than refused (the file itself is judged by its content):
    Unicode is kept (NFC); control and invisible formatting characters — NUL, line breaks, bidi
    overrides, zero-width marks — are dropped; only the last path part is kept (``/`` and ``\\``:
    ``../``, absolute and Windows paths); leading dots and trailing dots and spaces are trimmed; a
    name over 200 characters is shortened keeping its extension (16 characters at most).
    Nothing left: ``fichier``.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip().lstrip(".").rstrip(". ").strip()
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= MAX_EXTENSION_CHARS:
            name = f"{stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip('. ')}.{extension}"
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip(". ")
    return name or "fichier"


# The extensions a downloaded file may keep for each type the content was found to be; the first is
# the one added otherwise ("run.bat" holding plain text is served as "run.bat.txt").
TYPE_EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/gif": ("gif",),
    "image/tiff": ("tif", "tiff"),
    "image/webp": ("webp",),
    "text/plain": ("txt", "text", "log", "csv", "md", "asc"),
    "text/csv": ("csv", "txt"),
    "message/rfc822": ("eml",),
    "application/zip": ("zip", "docx", "xlsx", "pptx", "odt", "ods", "odp"),
    "application/msword": ("doc", "dot", "xls", "ppt", "msg"),
    "application/vnd.ms-excel": ("xls", "xlt"),
    "application/vnd.ms-powerpoint": ("ppt", "pot", "pps"),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
}
INERT_DOWNLOAD_TYPE = "application/octet-stream"


def stored_filename(name: str, media_type: str) -> str:
    """The safe display name (``display_filename``) whose extension matches the content's type: a
    double extension or a mismatch ("facture.pdf.exe" holding a PDF, "run.bat" holding text) gets the
    type's own extension added, so a downloaded file never opens as a program."""
    name = display_filename(name)
    allowed = TYPE_EXTENSIONS.get(media_type, ("bin",))  # any other type is served as octet-stream
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in allowed:
        return name
    suffix = allowed[0]
    if len(name) + len(suffix) + 1 > MAX_FILENAME_CHARS:
        name = name[: MAX_FILENAME_CHARS - len(suffix) - 1].rstrip(". ") or "fichier"
    return f"{name}.{suffix}"


def served_media_type(media_type: str) -> str:
    """The Content-Type a stored file is served with: its own for the known passive types above,
    ``application/octet-stream`` for anything else (HTML, SVG, scripts… should one ever be stored)."""
    return media_type if media_type in TYPE_EXTENSIONS else INERT_DOWNLOAD_TYPE


def temporary_upload(name: str, content_type: str, charset=None, content_type_extra=None) -> TemporaryUploadedFile:
    """A temporary file in FILE_UPLOAD_TEMP_DIR named by ``tempfile`` alone (suffix ``.upload``), which
    carries ``name`` (already made safe by ``display_filename``) for display only."""
    uploaded = TemporaryUploadedFile("upload", content_type, 0, charset, content_type_extra)
    uploaded.name = name
    return uploaded


class RawBodyTooLargeError(Exception):
    pass


class RawBodyInterruptedError(Exception):
    pass


def _gunicorn_body(request):
    """(gunicorn's body reader, its client socket) when the body can be read from the socket itself.

    gunicorn's own reader copies every byte through ``BytesIO`` buffers (40 % of a large upload's
    time in a profile). When nothing of the body has been read yet and its length is known,
    the bytes gunicorn already holds are taken with its ``take_buffered()`` and the rest is
    received straight into our buffer with ``recv_into``; the reader is then told the body is
    consumed, so gunicorn's keep-alive handling never waits for it. Anything else: ``None``,
    and the portable path reads the request as usual.
    """
    environ = request.environ
    sock = environ.get("gunicorn.socket")
    body = environ.get("wsgi.input")
    reader = getattr(body, "reader", None)
    unreader = getattr(reader, "unreader", None)
    if (
        sock is None
        or type(reader).__name__ != "LengthReader"
        or not hasattr(unreader, "take_buffered")
        or getattr(body, "buf", None) is None
        or body.buf.tell()
        or request._read_started
    ):
        return None
    return reader, sock


def _direct_chunks(reader, sock, buffers: list[memoryview]):
    """Yield views of the body as it arrives: gunicorn's read-ahead first, then the socket."""
    remaining = reader.length
    held = reader.unreader.take_buffered()
    if len(held) > remaining:  # a pipelined next request: give it back to gunicorn
        reader.unreader.unread(held[remaining:])
        held = held[:remaining]
    reader.length = 0  # from now on the body is ours: gunicorn never waits for it
    if held:
        remaining -= len(held)
        yield memoryview(held)
    turn = 0
    while remaining:
        view = buffers[turn]
        received = sock.recv_into(view, min(len(view), remaining))
        if not received:
            return  # the client went away: the caller sees the missing bytes
        remaining -= received
        yield view[:received]
        turn = 1 - turn


def _hash_and_write(chunks, uploaded, hasher, *, limit: int) -> int:
    """Write each chunk to the file while a second thread hashes the previous one.

    ``hashlib`` and file writes release the GIL on large buffers, so on two cores hashing and
    writing overlap. A chunk's buffer is reused only after its hash is done (two buffers in turn).
    """
    size, pending = 0, None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hashing:
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise RawBodyTooLargeError
                uploaded.write(chunk)
                if pending is not None:
                    pending.result()
                pending = hashing.submit(hasher.update, chunk)
        finally:
            if pending is not None:
                pending.result()
    return size


def receive_raw_body(request, *, chunk_size: int = 1024 * 1024):
    """Stream a request whose body *is* the file into a temporary file, hashing in the same pass.

    Skips the multipart parser entirely (its per-chunk boundary search is the cost of a large
    multipart upload); under gunicorn, reads the body from the socket itself (see
    ``_gunicorn_body``). Returns a TemporaryUploadedFile with ``sha256`` and ``hashed_size``.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.EVIDENCE_MAX_UPLOAD_SIZE:
        raise RawBodyTooLargeError
    # Header values are Latin-1: the browser sends the name percent-encoded (UTF-8).
    name = display_filename(unquote(request.headers.get("X-Filename", "")))
    uploaded = temporary_upload(name, "application/octet-stream")
    uploaded.size = declared
    hasher = hashlib.sha256()
    direct = _gunicorn_body(request)
    try:
        if direct is not None and direct[0].length == declared:
            buffers = [memoryview(bytearray(chunk_size * 4)) for _ in range(2)]
            chunks = _direct_chunks(*direct, buffers)
        else:
            chunks = iter(lambda: request.read(chunk_size), b"")
        size = _hash_and_write(chunks, uploaded, hasher, limit=settings.EVIDENCE_MAX_UPLOAD_SIZE)
        if size != declared:
            raise RawBodyInterruptedError
    except OSError as error:  # a reset or timed-out client socket
        uploaded.close()
        raise RawBodyInterruptedError from error
    except BaseException:
        uploaded.close()
        raise
    uploaded.flush()
    uploaded.seek(0)
    uploaded.size = size
    uploaded.sha256 = hasher.hexdigest()
    uploaded.hashed_size = size
    return uploaded
