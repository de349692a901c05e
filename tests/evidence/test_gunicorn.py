"""Under gunicorn (the production server), a raw-body upload is read from the socket itself.

The direct path bypasses gunicorn's body reader: these tests run the real server on loopback and
check the stored bytes and hash, that the connection stays usable (keep-alive), and that a client
leaving mid-body leaves nothing behind.
"""

import hashlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.evidence.models import Evidence
from tests.support import log_in_verified

from .conftest import PDF

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "c" * 32


@pytest.fixture
def server(tmp_path, evidence_root):
    db = connection.settings_dict
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EVIDENCE_ROOT": str(evidence_root),
        "FILE_UPLOAD_TEMP_DIR": str(uploads),
        "CNILCASE_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 - our own server
        [str(gunicorn), "cnilcase.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, uploads
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def headers(investigator):
    client = Client()
    log_in_verified(client, investigator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={TOKEN}",
        "X-CSRFToken": TOKEN,
        "Accept": "application/json",
    }


def test_raw_body_from_the_socket_is_stored_and_hashed_exactly(server, headers, case, evidence_root):
    port, uploads = server
    data = PDF + os.urandom(12 * 1024 * 1024 + 12345)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        f"/cases/{case.pk}/evidence/new/?source=public&title=Gros",
        body=data,
        headers={
            **headers,
            "Referer": f"http://127.0.0.1:{port}/",
            "Content-Type": "application/octet-stream",
            "X-Filename": "gros.pdf",
        },
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 201
    evidence = Evidence.objects.select_related("blob").get()
    assert evidence.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.blob.size == len(data)
    stored = [p for p in evidence_root.rglob("*") if p.is_file()]
    assert [p.read_bytes() == data for p in stored] == [True]
    # The same connection serves the next request: gunicorn knows the body was consumed.
    conn.request("GET", f"/cases/{case.pk}/", headers=headers)
    again = conn.getresponse()
    again.read()
    assert again.status == 200
    conn.close()
    assert list(uploads.iterdir()) == []


def test_client_leaving_mid_body_leaves_nothing(server, headers, case, evidence_root):
    port, uploads = server
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            (
                f"POST /cases/{case.pk}/evidence/new/?source=public HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
                f"Referer: http://127.0.0.1:{port}/\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {len(PDF) + 8_000_000}\r\n\r\n"
            ).encode()
            + PDF
            + b"\0" * 3_000_000
        )
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert not Evidence.objects.exists()
    assert not [p for p in evidence_root.rglob("*") if p.is_file()]
    assert list(uploads.iterdir()) == []
