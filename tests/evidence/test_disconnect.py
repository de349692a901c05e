"""A client that disconnects mid-upload leaves no evidence, no blob and no temporary file."""

import socket
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client

from apps.evidence.models import Blob, Evidence
from tests.support import log_in_verified

from .conftest import PDF


@pytest.mark.parametrize("raw", [False, True], ids=["multipart", "raw-body"])
@pytest.mark.django_db(transaction=True)
def test_disconnect_mid_upload_leaves_nothing(live_server, investigator, case, evidence_root, raw):
    client = Client()
    log_in_verified(client, investigator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = "a" * 32
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())
    before = set(temp_dir.iterdir())
    boundary = "----cnilcase"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\npublic\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="gros.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF
    content_type = f"multipart/form-data; boundary={boundary}"
    path = f"/cases/{case.pk}/evidence/new/"
    if raw:
        head, content_type, path = PDF, "application/octet-stream", path + "?source=public"
    declared = len(head) + 5_000_000
    url = urlparse(live_server.url)
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
                f"Cookie: {settings.SESSION_COOKIE_NAME}={session}; csrftoken={token}\r\n"
                f"X-CSRFToken: {token}\r\nReferer: {live_server.url}/\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {declared}\r\n\r\n"
            ).encode()
            + head
            + b"\0" * 1_000_000
        )
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    # The server did take the request (logged in, CSRF passed) and saw the body end early.
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert not Evidence.objects.exists()
    assert not Blob.objects.exists()
    assert not [p for p in evidence_root.rglob("*") if p.is_file()]
    leftovers = [p for p in set(temp_dir.iterdir()) - before if p.suffix == ".upload"]
    assert leftovers == []
