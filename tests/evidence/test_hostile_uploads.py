"""The hostile corpus through the staff evidence upload, both ways a browser sends a file (multipart
form, and the raw request body of the progress-bar script): every file refused with a message and
nothing left behind, or stored inert. See ``hostile_checks`` for what each outcome must show."""

import pytest
from django.test import Client

from apps.evidence.models import Blob, CustodyEvent, Evidence
from tests.support import log_in_verified

from .hostile_checks import (
    MULTIPART,
    Tally,
    extraction_problems,
    files_under,
    multipart_body,
    raw_headers,
    refusal_problems,
    serving_problems,
)
from .hostile_corpus import corpus

pytestmark = pytest.mark.django_db
LIMIT = 1024 * 1024  # the upload limit for this test: the oversize files are just over it


def _message(response) -> str:
    context = getattr(response, "context", None)
    if context is not None and "form" in context:
        return " ".join(str(e) for errors in context["form"].errors.values() for e in errors)
    return response.content.decode("utf-8", "replace")


def test_every_hostile_file_is_refused_or_stored_inert_through_the_staff_upload(
    investigator, case, evidence_root, settings, tmp_path
):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = LIMIT
    settings.FILE_UPLOAD_TEMP_DIR = temp = tmp_path / "uploads"
    temp.mkdir()
    client = Client()
    log_in_verified(client, investigator)
    url = f"/cases/{case.pk}/evidence/new/"

    def state():
        return {
            "evidence": Evidence.objects.count(),
            "blobs": Blob.objects.count(),
            "custody": CustodyEvent.objects.count(),
            "stored files": files_under(evidence_root),
            "temporary files": files_under(temp),
        }

    def send(how, hostile):
        if how == "staff multipart":
            body = multipart_body({"source": "documentary"}, "files", hostile.name, hostile.content)
            return client.post(url, data=body, content_type=MULTIPART)
        return client.post(
            f"{url}?source=documentary",
            data=hostile.content,
            content_type="application/octet-stream",
            headers=raw_headers(hostile.name),
        )

    tally = Tally()
    for hostile in corpus(LIMIT):
        for how in ("staff multipart", "staff raw body"):
            before = state()
            response = send(how, hostile)
            after = state()
            if response.status_code in (201, 302):
                problems = []
                if hostile.must_refuse:
                    problems.append("accepted, but it must be refused")
                if after["temporary files"]:
                    problems.append(f"temporary files left: {after['temporary files']}")
                if after["evidence"] != before["evidence"] + 1:
                    problems.append(f"accepted with {after['evidence'] - before['evidence']} new items")
                    tally.record(how, hostile, "accepted", problems)
                    continue
                evidence = Evidence.objects.order_by("-pk").first()
                download = client.get(f"/cases/{case.pk}/evidence/{evidence.pk}/download/")
                problems += serving_problems(download, hostile.content)
                extraction, elapsed = extraction_problems(evidence.blob)
                tally.slowest_extraction = max(tally.slowest_extraction, elapsed)
                tally.record(how, hostile, "accepted", problems + extraction)
            else:
                problems = refusal_problems(hostile, response.status_code, _message(response), before, after)
                tally.record(how, hostile, "refused", problems)
    print("\nHostile corpus, staff evidence upload:\n" + tally.summary())  # noqa: T201 - the README's figures
    assert not tally.failures, tally.failure_report()
    assert sum(tally.tried.values()) >= 400


@pytest.mark.parametrize(
    ("sent", "media_type", "kept"),
    [
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("..\\..\\Windows\\win.ini", "text/plain", "win.ini.txt"),
        ("C:\\Users\\dpo\\pv.pdf", "application/pdf", "pv.pdf"),
        ("pv\x00\x07\r\n.pdf", "application/pdf", "pv.pdf"),
        ("facture\u202efdp.exe", "application/pdf", "facturefdp.exe.pdf"),
        ("facture.pdf.exe", "application/pdf", "facture.pdf.exe.pdf"),
        ("run.bat", "text/plain", "run.bat.txt"),
        ("..", "application/pdf", "fichier.pdf"),
        (" .htaccess ", "text/plain", "htaccess.txt"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 196 + ".pdf"),
        ("scan.PDF", "application/pdf", "scan.PDF"),
        ("odd.bin", "text/html", "odd.bin"),  # never served as HTML: octet-stream, ".bin"
    ],
)
def test_a_hostile_name_is_made_safe_and_matches_its_content(sent, media_type, kept):
    from apps.evidence.uploads import served_media_type, stored_filename

    assert stored_filename(sent, media_type) == kept
    assert served_media_type("text/html") == "application/octet-stream"
