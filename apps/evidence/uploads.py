"""Streaming uploads: chunks go to a temporary file, SHA-256 is computed in the same pass.

Django's multipart parser hands each chunk to the upload handler; this one never keeps the file
in memory, stops the upload as soon as a file exceeds the limit, and leaves on the uploaded
file its ``sha256`` and ``size``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import unquote

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


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

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
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


def display_filename(name: str) -> str:
    """The client's file name for display only: Unicode kept, path parts and control characters dropped."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:255] or "fichier"


class RawBodyTooLargeError(Exception):
    pass


class RawBodyInterruptedError(Exception):
    pass


def receive_raw_body(request, *, chunk_size: int = 1024 * 1024):
    """Stream a request whose body *is* the file into a temporary file, hashing in the same pass.

    Skips the multipart parser entirely (its per-chunk boundary search is the cost of a large
    multipart upload). Returns a TemporaryUploadedFile with ``sha256`` and ``hashed_size``.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.EVIDENCE_MAX_UPLOAD_SIZE:
        raise RawBodyTooLargeError
    # Header values are Latin-1: the browser sends the name percent-encoded (UTF-8).
    name = display_filename(unquote(request.headers.get("X-Filename", "")))
    uploaded = TemporaryUploadedFile(name, "application/octet-stream", declared, None)
    hasher, size = hashlib.sha256(), 0
    try:
        while chunk := request.read(chunk_size):
            size += len(chunk)
            if size > settings.EVIDENCE_MAX_UPLOAD_SIZE:
                raise RawBodyTooLargeError
            hasher.update(chunk)
            uploaded.write(chunk)
        if size != declared:
            raise RawBodyInterruptedError
    except BaseException:
        uploaded.close()
        raise
    uploaded.flush()
    uploaded.seek(0)
    uploaded.size = size
    uploaded.sha256 = hasher.hexdigest()
    uploaded.hashed_size = size
    return uploaded
