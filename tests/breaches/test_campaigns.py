"""Art. 34 campaigns: decisions and orders, and per-person reports imported under a keyed hash."""

import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.breaches import services
from apps.breaches.models import Campaign, CampaignImport, CampaignRecipient
from apps.breaches.pseudonymise import ReportEncoder, encode_range, keyed_hash, nir_check, split_points
from apps.cases import services as case_services
from apps.deadlines.models import Deadline
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def nir(serial: int, *, sex: int = 1, department: str = "75") -> str:
    body = f"{sex}85{(serial % 12) + 1:02d}{department}{serial % 1000:03d}{serial % 997:03d}"
    number = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(number) % 97:02d}"


def report(*rows, header="identifier,channel,status,date", sep=","):
    lines = [header] + [sep.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case_and_insurer(agent):
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    case = case_services.case_open(actor=agent, origin="breach_notification", legal_regime="gdpr", title="Fuite")
    case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")
    return case, insurer


@pytest.fixture
def campaign(agent, case_and_insurer):
    case, insurer = case_and_insurer
    return services.campaign_record(
        actor=agent, case=case, controller=insurer, decision="required", channels=["letter", "email"], planned_total=10
    )


@pytest.fixture
def client_for(agent):
    client = Client()
    log_in_verified(client, agent)
    return client


def upload(client, campaign, content: bytes, *, mode="all", name="rapport.csv"):
    url = f"/cases/{campaign.case_id}/breach/campaigns/{campaign.pk}/import/"
    data = {"report": SimpleUploadedFile(name, content, content_type="text/csv")}
    if mode:
        data["mode"] = mode
    return client.post(url, data)


def test_nir_key_including_corsica():
    assert nir_check(nir(5).encode()) == 0
    assert nir_check(nir(5, department="2A").encode()) == 0
    assert nir_check(nir(6, department="2B").encode()) == 0
    wrong = nir(5)[:-2] + f"{(int(nir(5)[-2:]) + 1) % 100:02d}"
    assert nir_check(wrong.encode()) != 0
    assert nir_check(b"18501751234") != 0


def test_decisions_exemptions_and_the_order_deadline(agent, case_and_insurer):
    case, insurer = case_and_insurer
    with pytest.raises(ValidationError) as error:
        services.campaign_record(actor=agent, case=case, controller=insurer, decision="exempt_unintelligible")
    assert "exemption_reasoning" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.campaign_record(
            actor=agent, case=case, controller=insurer, decision="public_communication", exemption_reasoning="Coût"
        )
    assert "channels" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.campaign_record(
            actor=agent, case=case, controller=insurer, decision="required", planned_total=5, sent=4, failed=2
        )
    assert "sent" in error.value.message_dict
    assert not Campaign.objects.exists()

    received = datetime(2024, 3, 1, 10, tzinfo=PARIS)  # a Friday
    campaign = services.campaign_record(
        actor=agent,
        case=case,
        controller=insurer,
        decision="required",
        order_received_at=received,
        order_period_days=15,  # ends Saturday 16 March: rolls to Monday 18 March
    )
    deadline = Deadline.objects.get(case=case, kind="communication_order")
    assert deadline.due_at.astimezone(PARIS).date() == date(2024, 3, 18)
    assert deadline.object_id == str(campaign.pk)
    services.campaign_record(actor=agent, case=case, controller=insurer, decision="required", sent=3)
    assert Deadline.objects.filter(kind="communication_order").count() == 1  # recorded once
    assert AuditEvent.objects.filter(action=AuditAction.CAMPAIGN_RECORDED).count() == 2


def test_import_counts_people_and_is_idempotent(campaign, client_for, django_capture_on_commit_callbacks):
    content = report(
        (nir(1), "letter", "sent", "2024-03-01"),
        (nir(1), "email", "failed", "2024-03-01"),
        (nir(2), "email", "failed", "2024-03-02"),
        (nir(3), "courrier", "envoyé", "04/03/2024"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for, campaign, content)
    assert response.status_code == 302
    imported = CampaignImport.objects.get()
    assert (imported.status, imported.rows_total, imported.bad_count) == ("completed", 4, 0)
    assert (imported.inserted, imported.updated, imported.rows_loaded) == (4, 0, 4)
    campaign.refresh_from_db()
    assert (campaign.sent, campaign.failed, campaign.counts_from_imports) == (2, 1, True)
    assert CampaignRecipient.objects.filter(campaign=campaign, id_hash=keyed_hash(nir(1))).count() == 2
    assert imported.staged_names == [] or CampaignImport.objects.get().staged_names == []

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, content, mode="good")
    again = CampaignImport.objects.order_by("-pk").first()
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("completed", 0, 0, 4)
    assert again.sha256 == imported.sha256
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 4

    later = report(
        (nir(2), "email", "sent", "2024-03-10"),  # newer: wins
        (nir(1), "letter", "failed", "2024-02-01"),  # older: ignored
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, later)
    campaign.refresh_from_db()
    assert (campaign.sent, campaign.failed) == (3, 0)
    latest = CampaignImport.objects.order_by("-pk").first()
    assert (latest.inserted, latest.updated) == (0, 1)
    assert AuditEvent.objects.filter(action=AuditAction.CAMPAIGN_IMPORTED).count() == 6  # received + finished, x3
    page = client_for.get(f"/cases/{campaign.case_id}/tab/breach/")
    assert "3 / 10" in page.content.decode()


BAD = report(
    (nir(1), "letter", "sent", "2024-03-01"),  # line 2: good
    (nir(2)[:-2] + "00" if nir(2)[-2:] != "00" else nir(2)[:-2] + "01", "letter", "sent", "2024-03-01"),  # 3: key
    (nir(3), "pigeon", "sent", "2024-03-01"),  # 4: channel
    (nir(4), "letter", "sent", "2024-02-30"),  # 5: date
    (nir(5), "letter", "sent", "2999-01-01"),  # 6: future
    (nir(6), "letter", "sent"),  # 7: columns
    (nir(7), "email", "sent", "2024-03-01"),  # 8: duplicate of 9
    (nir(7), "email", "failed", "2024-03-02"),  # 9
    (nir(8), "email", "sent", "2024-03-01"),  # 10: good
)
EXPECTED_BAD = {3: 5, 4: 6, 5: 8, 6: 9, 7: 1, 8: 10, 9: 10}


def test_bad_rows_reported_and_nothing_imported_unless_chosen(campaign, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, BAD, mode="all")
    rejected = CampaignImport.objects.get()
    assert rejected.status == "rejected"
    assert {e.line_no: e.reason for e in rejected.errors.all()} == EXPECTED_BAD
    assert rejected.bad_count == 7
    assert not CampaignRecipient.objects.exists()
    page = client_for.get(f"/cases/{campaign.case_id}/breach/imports/{rejected.pk}/").content.decode()
    assert "clé erronée" in page
    assert "identifiant répété" in page
    csv_report = b"".join(
        client_for.get(f"/cases/{campaign.case_id}/breach/imports/{rejected.pk}/?format=csv").streaming_content
    ).decode()
    assert len(csv_report.strip().splitlines()) == 1 + 7
    assert nir(3) not in page
    assert nir(3) not in csv_report

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, BAD, mode="good")
    partial = CampaignImport.objects.order_by("-pk").first()
    assert (partial.status, partial.inserted, partial.bad_count) == ("completed", 2, 7)
    assert set(CampaignRecipient.objects.values_list("id_hash", flat=True)) == {
        keyed_hash(nir(1)),
        keyed_hash(nir(8)),
    }


def test_unreadable_files_and_missing_choice_are_form_errors(campaign, client_for):
    response = upload(client_for, campaign, report((nir(1), "letter", "sent", "2024-03-01"), header="nir,canal,jour"))
    assert response.status_code == 400
    assert "La première ligne doit nommer les colonnes" in response.content.decode()
    response = upload(client_for, campaign, report((nir(1), "letter", "sent", "2024-03-01")), mode=None)
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    response = upload(client_for, campaign, b"")
    assert response.status_code == 400
    assert not CampaignImport.objects.exists()


def test_french_headers_semicolons_and_latin1(campaign, client_for, django_capture_on_commit_callbacks):
    content = report(
        (nir(1), "courriel", "échec", "2024-03-01"),
        (f"{nir(2)[:7]} {nir(2)[7:]}", "portail", "envoyé", "2024-03-01"),
        header="Identifiant;Canal;Statut;Date",
        sep=";",
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, content)
    assert CampaignImport.objects.get().status == "completed"
    campaign.refresh_from_db()
    assert (campaign.sent, campaign.failed) == (1, 1)

    latin1 = content.decode().encode("latin-1")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, latin1)
    rejected = CampaignImport.objects.order_by("-pk").first()
    assert rejected.status == "rejected"
    assert {e.reason for e in rejected.errors.all()} == {2}  # not UTF-8 text


def test_parallel_parts_encode_like_one_pass(tmp_path):
    rows = [(nir(n), ("letter", "email")[n % 2], "sent", "2024-03-01") for n in range(1, 500)]
    rows[100] = ("x", "letter", "sent", "2024-03-01")
    source = tmp_path / "report.csv"
    source.write_bytes(report(*rows))
    whole = io.BytesIO()
    encoder = ReportEncoder(whole, nir=True)
    encoder.feed(source.read_bytes())
    one = encoder.close()
    header, ranges = split_points(str(source), 3)
    parts, errors = b"", []
    for k, (start, end, first_line) in enumerate(ranges):
        out = tmp_path / f"part{k}"
        result = encode_range(str(source), start, end, str(out), nir=True, header=header, first_line=first_line)
        parts += out.read_bytes()
        errors += result.errors
    assert parts == whole.getvalue()
    assert errors == one.errors == [(102, 4)]


def test_no_other_organisation_or_user_reaches_a_campaign(campaign):
    outsider = make_staff("autre@cnil.test")
    client = Client()
    log_in_verified(client, outsider)
    for url in (
        f"/cases/{campaign.case_id}/breach/campaigns/{campaign.controller_id}/",
        f"/cases/{campaign.case_id}/breach/campaigns/{campaign.pk}/import/",
    ):
        assert client.get(url).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_clear_identifier_is_written_anywhere(agent, case_and_insurer, settings, tmp_path):
    """A database dump, the upload folder and the staging folder never contain an identifier fed in."""
    case, insurer = case_and_insurer
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    imports = tmp_path / "imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": imports}},
    }
    campaign = services.campaign_record(actor=agent, case=case, controller=insurer, decision="required")
    identifiers = [nir(n) for n in range(1, 60)]
    rows = [(identifier, "letter", "sent", "2024-03-01") for identifier in identifiers]
    rows.append((identifiers[0][:-2] + "99", "letter", "sent", "2024-03-01"))  # a bad row is not kept either
    client = Client()
    log_in_verified(client, agent)
    response = upload(client, campaign, report(*rows), mode="good")
    assert response.status_code == 302
    assert CampaignImport.objects.get().status == "completed"
    assert CampaignRecipient.objects.count() == len(identifiers)

    pg_dump = shutil.which("pg_dump") or next(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), None)
    assert pg_dump, "pg_dump is needed to check the database"
    db = connection.settings_dict
    dump = subprocess.run(  # noqa: S603 - pg_dump of the test database
        [str(pg_dump), "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        check=True,
    ).stdout
    assert b"breaches_campaignrecipient" in dump
    written = [dump] + [path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()]
    for identifier in identifiers:
        for blob in written:
            assert identifier.encode() not in blob
            assert identifier[:13].encode() not in blob


def test_staged_records_hold_only_hashes(campaign, client_for, settings, tmp_path, django_capture_on_commit_callbacks):
    """Between the upload and the worker, only keyed hashes wait on disk."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    identifiers = [nir(n) for n in range(1, 40)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client_for, campaign, report(*[(i, "letter", "sent", "2024-03-01") for i in identifiers]))
    imported = CampaignImport.objects.get()
    assert imported.status == "queued"
    assert callbacks
    from django.core.files.storage import storages

    staged = storages["imports"].open(imported.staged_names[0]).read()
    assert len(staged) == 39 * 54
    assert keyed_hash(identifiers[0]) in staged
    assert list(tmp_path.iterdir()) == []  # the upload's temporary file is gone
    for identifier in identifiers:
        assert identifier.encode() not in staged
        assert identifier[:13].encode() not in staged
    for callback in callbacks:
        callback()
    imported.refresh_from_db()
    assert imported.status == "completed"
    assert not storages["imports"].exists(imported.staged_names[0] if imported.staged_names else "x")


@pytest.mark.parametrize("first_import", [True, False])
def test_a_repeated_identifier_alone_is_found(first_import, campaign, client_for, django_capture_on_commit_callbacks):
    """On PostgreSQL the search runs only when the merge meets a repeated key: on a first import
    (plain insert) and on a later one (upsert) alike."""
    if not first_import:
        with django_capture_on_commit_callbacks(execute=True):
            upload(client_for, campaign, report((nir(9), "letter", "sent", "2024-03-01")))
    repeated = report(
        (nir(1), "letter", "sent", "2024-03-01"),
        (nir(2), "letter", "sent", "2024-03-01"),
        (nir(1), "letter", "failed", "2024-03-05"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, repeated, mode="all")
    rejected = CampaignImport.objects.order_by("-pk").first()
    assert rejected.status == "rejected"
    assert [(e.line_no, e.reason, e.first_line) for e in rejected.errors.all()] == [(2, 10, 2), (4, 10, 2)]
    assert CampaignRecipient.objects.count() == (0 if first_import else 1)

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for, campaign, repeated, mode="good")
    partial = CampaignImport.objects.order_by("-pk").first()
    assert (partial.status, partial.inserted, partial.bad_count) == ("completed", 1, 2)
    assert CampaignRecipient.objects.filter(id_hash=keyed_hash(nir(2))).exists()
    assert not CampaignRecipient.objects.filter(id_hash=keyed_hash(nir(1))).exists()


def test_a_report_over_the_limit_is_refused_with_413(campaign, client_for, settings):
    settings.CAMPAIGN_IMPORT_MAX_SIZE = 1024
    rows = [(nir(n), "letter", "sent", "2024-03-01") for n in range(1, 100)]
    response = upload(client_for, campaign, report(*rows))
    assert response.status_code == 413
    assert "dépasse la limite de 1,0\xa0Kio" in response.content.decode()
    assert not CampaignImport.objects.exists()


def test_progress_is_polled_while_queued_and_the_page_reloads_when_done(
    campaign, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client_for, campaign, report((nir(1), "letter", "sent", "2024-03-01")))
    imported = CampaignImport.objects.get()
    url = f"/cases/{campaign.case_id}/breach/imports/{imported.pk}/"
    page = client_for.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "En attente d’un processus de traitement" in page
    polled = client_for.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled
    assert "<html" not in polled.content.decode()  # the status fragment only
    for callback in callbacks:
        callback()
    polled = client_for.get(url, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    page = client_for.get(url).content.decode()
    assert "every 2s" not in page
    assert 'id="import-new">1<' in page
