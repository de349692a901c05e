"""The upload handler of campaign reports: the CSV is pseudonymised while it streams in.

Django's multipart parser hands each chunk to this handler, which never writes the chunk: it feeds
it to a :class:`~apps.breaches.pseudonymise.ReportEncoder`, which writes only keyed hashes. So the
clear identifiers exist only in this process's memory, one chunk at a time — never in a temporary
file, the database or a log.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload

from .pseudonymise import HeaderError, ReportEncoder


class PseudonymisedReport(UploadedFile):
    """What reaches the view instead of the file: the pseudonymised records and the pass's results."""

    def __init__(self, records, *, name, size, sha256, result=None, header_error=None):
        super().__init__(records, name=name, content_type="application/octet-stream", size=size)
        self.sha256, self.result, self.header_error = sha256, result, header_error

    def temporary_file_path(self):
        return self.file.name


class PseudonymisingUploadHandler(FileUploadHandler):
    field_name = "report"

    def __init__(self, request=None, *, nir: bool):
        super().__init__(request)
        self.nir = nir
        self.max_size = settings.CAMPAIGN_IMPORT_MAX_SIZE
        self.too_big = False
        self._active = False

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self._active = field_name == self.field_name
        if not self._active:
            return
        self.records = tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed over to the view, which closes it
            prefix="campaign-", suffix=".records", dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        self.encoder = ReportEncoder(self.records, nir=self.nir)
        self.size = 0
        self.header_error = None
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if not self._active:
            return raw_data
        self.size += len(raw_data)
        if self.size > self.max_size:
            self.too_big = True
            self.records.close()
            raise StopUpload(connection_reset=True)
        if self.header_error is None:
            try:
                self.encoder.feed(raw_data)
            except HeaderError as error:
                self.header_error = error
        return None

    def file_complete(self, file_size):
        if not self._active:
            return None
        result = None
        if self.header_error is None:
            try:
                result = self.encoder.close()
            except HeaderError as error:
                self.header_error = error
        self.records.flush()
        self.records.seek(0)
        return PseudonymisedReport(
            self.records,
            name=self.file_name,
            size=self.size,
            sha256=self.encoder.sha256.hexdigest(),
            result=result,
            header_error=self.header_error,
        )
