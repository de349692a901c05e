"""The malware-scan hook against a real clamd (Debian's clamav-daemon, our own EICAR signature), and
its behaviour when the scanner cannot answer (refused by default, accepted with
MALWARE_SCAN_FAIL_OPEN)."""

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.evidence.models import Blob, CustodyEvent, Evidence
from apps.evidence.scanning import ClamdClient, ScannerUnavailableError, malware_scan
from tests.support import log_in_verified

from .clamd_support import STREAM_MAX, clamd  # noqa: F401 - the fixture
from .conftest import CSV, PDF
from .hostile_checks import files_under
from .hostile_corpus import EICAR, corpus, zip_of

pytestmark = pytest.mark.django_db
EICAR_FILES = [hostile for hostile in corpus(1024 * 1024) if hostile.eicar]


@pytest.fixture
def client_in(investigator):
    client = Client()
    log_in_verified(client, investigator)
    return client


@pytest.fixture
def scanning(settings, clamd):  # noqa: F811 - the fixture
    settings.MALWARE_SCANNER = "clamd"
    settings.CLAMD_SOCKET = clamd.socket_path
    return clamd


def malware_events(case):
    return AuditEvent.objects.filter(
        action=AuditAction.EVIDENCE_CUSTODY, case_id=case.pk, object_type="evidence.upload"
    )


@pytest.mark.clamd
def test_clamd_finds_the_eicar_string_in_every_container_over_socket_and_tcp(clamd):  # noqa: F811
    by_socket = ClamdClient(socket_path=clamd.socket_path)
    by_tcp = ClamdClient(host="127.0.0.1", port=clamd.port)
    assert by_socket.ping()
    assert by_tcp.ping()
    assert len(EICAR_FILES) >= 15
    for hostile in EICAR_FILES:  # plain, zip (deflated, stored, nested 2 and 5 deep), gzip, tar, PDF, e-mail…
        assert by_socket.instream(io.BytesIO(hostile.content)) == "Cnilcase-Test-Eicar.UNOFFICIAL", hostile.name
    assert by_tcp.instream(io.BytesIO(zip_of([("e.com", EICAR)]))) == "Cnilcase-Test-Eicar.UNOFFICIAL"
    for clean in (PDF, CSV, zip_of([("pv.pdf", PDF)]), b"X5O!P%@AP[4 not quite the test string"):
        assert by_socket.instream(io.BytesIO(clean)) is None
        assert by_tcp.instream(io.BytesIO(clean)) is None


@pytest.mark.clamd
def test_a_stream_over_clamds_limit_is_no_verdict(clamd):  # noqa: F811
    with pytest.raises(ScannerUnavailableError, match="size limit"):
        ClamdClient(socket_path=clamd.socket_path).instream(io.BytesIO(b"a" * (STREAM_MAX + 1)))


@pytest.mark.clamd
def test_every_eicar_file_is_refused_by_the_staff_upload_with_an_audit_event_and_nothing_left(
    investigator, client_in, case, evidence_root, scanning, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = temp = tmp_path / "uploads"
    temp.mkdir()
    url = f"/cases/{case.pk}/evidence/new/"
    for number, hostile in enumerate(EICAR_FILES):
        if number % 2:
            response = client_in.post(
                url, {"source": "documentary", "files": SimpleUploadedFile(hostile.name, hostile.content)}
            )
            message = " ".join(response.context["form"].errors["files"])
        else:
            response = client_in.post(
                f"{url}?source=documentary",
                data=hostile.content,
                content_type="application/octet-stream",
                headers={"X-Filename": quote(hostile.name)},
            )
            message = response.content.decode()
        assert response.status_code == 400, hostile.name
        assert "Cnilcase-Test-Eicar.UNOFFICIAL" in message, (hostile.name, message)
    assert not Evidence.objects.exists()
    assert not Blob.objects.exists()
    assert not CustodyEvent.objects.exists()
    assert files_under(evidence_root) == []
    assert files_under(temp) == []
    events = list(malware_events(case).order_by("seq"))
    assert len(events) == len(EICAR_FILES)
    assert events[0].data["kind"] == "refused_malware"
    assert events[0].data["signature"] == "Cnilcase-Test-Eicar.UNOFFICIAL"
    assert events[0].data["filename"] == EICAR_FILES[0].name
    assert events[0].actor_id == investigator.pk


@pytest.mark.clamd
def test_one_infected_file_among_several_refuses_them_all(client_in, case, evidence_root, scanning):
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/",
        {
            "source": "documentary",
            "files": [SimpleUploadedFile("pv.pdf", PDF), SimpleUploadedFile("e.zip", zip_of([("e.com", EICAR)]))],
        },
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()
    assert files_under(evidence_root) == []
    assert malware_events(case).count() == 1


@pytest.mark.clamd
def test_clean_files_pass_the_scan_and_are_registered(client_in, case, scanning):
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/",
        {"source": "documentary", "files": [SimpleUploadedFile("pv.pdf", PDF), SimpleUploadedFile("extrait.csv", CSV)]},
    )
    assert response.status_code == 302
    assert Evidence.objects.count() == 2
    assert not malware_events(case).exists()


@pytest.mark.clamd
def test_the_service_refuses_unscreened_infected_bytes_too(investigator, case, scanning):
    from django.core.exceptions import ValidationError

    from apps.evidence import services

    with pytest.raises(ValidationError, match="Cnilcase-Test-Eicar"):
        services.blob_store(io.BytesIO(EICAR))
    assert not Blob.objects.exists()


def test_an_unreachable_scanner_refuses_the_file_with_a_message(client_in, case, evidence_root, settings, tmp_path):
    settings.MALWARE_SCANNER = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/?source=documentary",
        data=PDF,
        content_type="application/octet-stream",
        headers={"X-Filename": "pv.pdf"},
    )
    assert response.status_code == 400
    assert "scanner" in response.content.decode() or "antivirus" in response.content.decode()
    assert not Evidence.objects.exists()
    assert files_under(evidence_root) == []
    assert not malware_events(case).exists()


def test_with_fail_open_an_unreachable_scanner_lets_the_file_in(client_in, case, settings, tmp_path):
    settings.MALWARE_SCANNER = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    settings.MALWARE_SCAN_FAIL_OPEN = True
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/", {"source": "documentary", "files": SimpleUploadedFile("pv.pdf", PDF)}
    )
    assert response.status_code == 302
    assert Evidence.objects.count() == 1


def test_scanning_is_off_by_default_and_a_scanner_can_be_any_function(settings):
    assert settings.MALWARE_SCANNER == ""
    assert malware_scan(io.BytesIO(EICAR)) is None
    settings.MALWARE_SCANNER = "tests.evidence.test_clamd.refuse_everything"
    assert malware_scan(io.BytesIO(b"anything")) == "Test-Refuse-Everything"


def refuse_everything(fileobj):
    return "Test-Refuse-Everything"
