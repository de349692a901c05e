import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.evidence.models import Blob, CustodyEvent, Evidence
from tests.support import log_in_verified, make_staff

from .conftest import CSV, PDF

pytestmark = pytest.mark.django_db


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def client_in(investigator):
    c = Client()
    log_in_verified(c, investigator)
    return c


def upload(client, case, *files, **fields):
    data = {"source": "documentary", "files": list(files), **fields}
    return client.post(f"/cases/{case.pk}/evidence/new/", data)


def test_upload_two_files_hashes_while_streaming_and_stores_by_content(client_in, case, evidence_root):
    response = upload(
        client_in, case, SimpleUploadedFile("pv.pdf", PDF), SimpleUploadedFile("extrait.csv", CSV), nir=True
    )
    assert response.status_code == 302
    items = list(Evidence.objects.order_by("id"))
    assert [e.title for e in items] == ["pv.pdf", "extrait.csv"]
    assert items[0].blob.sha256 == hashlib.sha256(PDF).hexdigest()
    assert items[0].blob.media_type == "application/pdf"
    assert items[1].blob.media_type in {"text/csv", "text/plain"}
    assert items[0].nir is True
    sha = items[0].blob.sha256
    assert f"sha256/{sha[:2]}/{sha[2:4]}/{sha}" in stored_files(evidence_root)
    assert (evidence_root / items[0].blob.storage_name).read_bytes() == PDF
    registered = CustodyEvent.objects.filter(kind="registered")
    assert registered.count() == 2
    assert registered.first().detail["sha256"] == sha
    assert AuditEvent.objects.filter(action=AuditAction.EVIDENCE_CUSTODY, case_id=case.pk).count() == 2


def test_identical_content_is_stored_once(client_in, case, evidence_root):
    upload(client_in, case, SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", PDF))
    upload(client_in, case, SimpleUploadedFile("c.pdf", PDF))
    assert Evidence.objects.count() == 3
    assert Blob.objects.count() == 1
    assert len(stored_files(evidence_root)) == 1


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00", ""),
        ("photo.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "text/html"),
    ],
)
def test_content_that_is_not_an_allowed_type_is_refused(client_in, case, evidence_root, name, content, detected):
    response = upload(client_in, case, SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code == 400
    assert detected in response.content.decode()
    assert "ne sont pas acceptés" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not Blob.objects.exists()
    assert stored_files(evidence_root) == []


def test_one_bad_file_refuses_the_whole_upload(client_in, case, evidence_root):
    response = upload(client_in, case, SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("vide.pdf", b""))
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_empty_file_is_refused(client_in, case, evidence_root):
    response = upload(client_in, case, SimpleUploadedFile("vide.pdf", b""))
    assert response.status_code == 400
    assert not Blob.objects.exists()
    assert stored_files(evidence_root) == []


def test_over_the_size_limit_is_413_and_nothing_is_stored(client_in, case, evidence_root, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 1024
    response = upload(client_in, case, SimpleUploadedFile("gros.pdf", PDF + b"0" * 4096))
    assert response.status_code == 413
    assert "limite" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_filename_is_kept_for_display_only(client_in, case, evidence_root):
    upload(client_in, case, SimpleUploadedFile("../../etc/pré\x07vu.pdf", PDF))
    evidence = Evidence.objects.get()
    assert evidence.original_filename == "prévu.pdf"
    assert "pr" not in evidence.blob.storage_name


def test_download_streams_an_attachment_and_is_a_custody_event(client_in, case, investigator):
    upload(client_in, case, SimpleUploadedFile("procès-verbal n°1.pdf", PDF))
    evidence = Evidence.objects.get()
    response = client_in.get(f"/cases/{case.pk}/evidence/{evidence.pk}/download/", REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''proc%C3%A8s-verbal%20n%C2%B01.pdf" in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    download = CustodyEvent.objects.get(kind="downloaded")
    assert (download.actor, download.ip) == (investigator, "192.0.2.9")
    page = client_in.get(f"/cases/{case.pk}/evidence/{evidence.pk}/").content.decode()
    assert "Téléchargé" in page


def test_evidence_of_a_case_you_cannot_see_is_404(client_in, case, investigator):
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF))
    restricted = case_services.case_open(
        actor=investigator, origin="ex_officio", legal_regime="gdpr", title="R", confidentiality="restricted"
    )
    upload(client_in, restricted, SimpleUploadedFile("secret.pdf", PDF + b"x"))
    secret = Evidence.objects.get(case=restricted)
    outsider = Client()
    log_in_verified(outsider, make_staff("hugo@cnil.test"))
    for path in ("", "download/", "transfer/"):
        assert outsider.get(f"/cases/{restricted.pk}/evidence/{secret.pk}/{path}").status_code == 404
        assert outsider.get(f"/cases/{case.pk}/evidence/{secret.pk}/{path}").status_code == 404
    assert outsider.get(f"/cases/{restricted.pk}/tab/evidence/").status_code == 404
    assert outsider.post(f"/cases/{case.pk}/evidence/new/", {"source": "public"}).status_code == 404
    assert not CustodyEvent.objects.filter(kind="downloaded").exists()


def test_transfer_is_recorded_in_custody(client_in, case):
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF))
    evidence = Evidence.objects.get()
    response = client_in.post(
        f"/cases/{case.pk}/evidence/{evidence.pk}/transfer/", {"recipient": "Rapporteur", "reason": "Instruction"}
    )
    assert response.status_code == 302
    event = CustodyEvent.objects.get(kind="transferred")
    assert event.detail == {"recipient": "Rapporteur", "reason": "Instruction"}


def test_evidence_tab_lists_the_inventory(client_in, case):
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF))
    page = client_in.get(f"/cases/{case.pk}/tab/evidence/").content.decode()
    assert "pv.pdf" in page
    assert hashlib.sha256(PDF).hexdigest()[:14] in page


def test_description_edit_keeps_history_and_the_file(client_in, case):
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF))
    evidence = Evidence.objects.get()
    response = client_in.post(
        f"/cases/{case.pk}/evidence/{evidence.pk}/edit/",
        {"title": "PV du 29 janvier", "source": "on_site", "health_data": "on"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.title, evidence.health_data) == ("PV du 29 janvier", True)
    assert [h.title for h in evidence.history.order_by("history_date")] == ["pv.pdf", "PV du 29 janvier"]
    assert evidence.blob.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_correction_supersedes_and_both_stay(client_in, case):
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF))
    original = Evidence.objects.get()
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/?supersedes={original.pk}",
        {"source": "on_site", "files": [SimpleUploadedFile("pv-corrige.pdf", PDF + b"%fix")]},
    )
    assert response.status_code == 302
    correction = Evidence.objects.exclude(pk=original.pk).get()
    assert correction.supersedes == original
    assert Evidence.objects.count() == 2
    page = client_in.get(f"/cases/{case.pk}/evidence/{original.pk}/").content.decode()
    assert "pv-corrige.pdf" in page


def test_raw_body_upload_for_large_files(client_in, case, evidence_root):
    response = client_in.post(
        f"/cases/{case.pk}/evidence/new/?source=on_site&title=PV%20brut&nir=on",
        data=PDF,
        content_type="application/octet-stream",
        HTTP_X_FILENAME="pv brut.pdf",
    )
    assert response.status_code == 201
    evidence = Evidence.objects.get()
    assert response["Location"] == evidence.get_absolute_url()
    assert (evidence.title, evidence.original_filename, evidence.nir) == ("PV brut", "pv brut.pdf", True)
    assert evidence.blob.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (evidence_root / evidence.blob.storage_name).read_bytes() == PDF


def test_raw_body_refusals_store_nothing(client_in, case, evidence_root, settings):
    url = f"/cases/{case.pk}/evidence/new/?source=on_site"
    html = b"<!DOCTYPE html><html><body>x</body></html>"
    refused = client_in.post(url, data=html, content_type="application/octet-stream", HTTP_X_FILENAME="a.pdf")
    assert refused.status_code == 400
    assert "text/html" in refused.content.decode()
    assert client_in.post(url, data=b"", content_type="application/octet-stream").status_code == 400
    bad_source = f"/cases/{case.pk}/evidence/new/?source=nope"
    assert client_in.post(bad_source, data=PDF, content_type="application/octet-stream").status_code == 400
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    assert client_in.post(url, data=PDF, content_type="application/octet-stream").status_code == 413
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_uploads_leave_no_temporary_file(client_in, case, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload(client_in, case, SimpleUploadedFile("pv.pdf", PDF), SimpleUploadedFile("x.pdf", b"MZ" + b"\0" * 64))
    client_in.post(f"/cases/{case.pk}/evidence/new/?source=public", data=PDF, content_type="application/octet-stream")
    assert list(tmp_path.iterdir()) == []
