"""The case-file report: a PDF that states every evidence hash and the chain head, registered as evidence of
the case, each item it lists in custody; asked by the team, followed by readers, drawn up by a real worker."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from apps.audit.anchors import chain_head
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.dashboards import report, report_jobs
from apps.dashboards.choices import ReportStatus
from apps.dashboards.models import ReportJob
from apps.dashboards.tasks import run_report_job
from apps.evidence.choices import CustodyKind, EvidenceSource
from apps.evidence.models import CustodyEvent, Evidence
from apps.evidence.services import evidence_export_record
from apps.evidence.storage import evidence_storage
from cnilcase.celery import app as celery_app
from tests.support import log_in_verified, make_staff

from .conftest import acting, build_case

pytestmark = pytest.mark.django_db


def pdf_text(evidence: Evidence) -> str:
    with evidence_storage().open(evidence.blob.storage_name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == evidence.blob.sha256
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def legal(db):
    return make_staff("louise@cnil.test", roles=("legal",), full_name="Louise Juriste")


@pytest.fixture
def two_party_case(agent):
    with acting(agent):
        case, _procedure = build_case(agent, parties=2)
    return case


def generate(client, user, case, django_capture_on_commit_callbacks):
    log_in_verified(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboards:report_generate", args=[case.pk]))
    job = ReportJob.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    return job


def test_the_report_states_every_evidence_hash_and_the_chain_head(
    client, agent, two_party_case, django_capture_on_commit_callbacks
):
    listed = list(Evidence.objects.filter(case=two_party_case).select_related("blob"))
    assert len(listed) >= 4  # the PVs, the answer documents, the proofs of delivery...
    job = generate(client, agent, two_party_case, django_capture_on_commit_callbacks)
    assert (job.status, job.progress, job.listed_count) == (ReportStatus.COMPLETED, 100, len(listed))
    text = pdf_text(job.evidence)
    for evidence in listed:
        assert evidence.blob.sha256 in text, evidence.title
    assert len(job.chain_hash) == 64
    assert job.chain_hash in text
    assert f"n°{job.chain_seq}" in text
    # In French: the sections a reader looks for.
    for heading in ("Partiesetrôles", "Historiquedelaprocédure", "Inventairedespreuves", "Mutuelle1", "MED-2025-001"):
        assert heading in text
    # Never the complainant's identity.
    assert "Plaignante" not in text


def test_the_report_is_evidence_of_the_case_and_each_listed_item_is_in_custody(
    client, agent, full_case, django_capture_on_commit_callbacks
):
    listed = set(Evidence.objects.filter(case=full_case).values_list("pk", flat=True))
    job = generate(client, agent, full_case, django_capture_on_commit_callbacks)
    report = job.evidence
    assert report.case_id == full_case.pk
    assert report.source == EvidenceSource.CNIL
    assert report.title == f"Dossier {full_case.reference}"
    assert report.original_filename.startswith(f"dossier-{full_case.reference}-")
    assert report.custody.get().kind == CustodyKind.REGISTERED
    exported = CustodyEvent.objects.filter(kind=CustodyKind.EXPORTED)
    assert set(exported.values_list("evidence_id", flat=True)) == listed
    assert exported.count() == len(listed)
    assert all(event.detail["report"] == report.pk and event.actor_id == agent.pk for event in exported)
    generated = AuditEvent.objects.filter(action=AuditAction.DOCUMENT_GENERATED, object_type="dashboards.reportjob")
    assert generated.get().data["sha256"] == report.blob.sha256
    listing = AuditEvent.objects.filter(action=AuditAction.EVIDENCE_CUSTODY, data__kind="exported").get()
    assert listing.data["count"] == len(listed)
    assert job.chain_seq < chain_head()[0]  # the head stated is the one before the report's own events


def test_a_job_run_twice_registers_one_report(agent, full_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_jobs.report_request(actor=agent, case=full_case)
    run_report_job(job.pk)
    assert ReportJob.objects.get(pk=job.pk).status == ReportStatus.COMPLETED
    assert Evidence.objects.filter(case=full_case, source=EvidenceSource.CNIL, title__startswith="Dossier").count() == 1


def test_a_failure_is_recorded_on_the_job_and_nothing_is_registered(
    agent, full_case, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The evidence store is unavailable (its location is not a directory): the job says so, nothing half-done."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocked}},
    }
    before = Evidence.objects.filter(case=full_case).count()
    with django_capture_on_commit_callbacks(execute=True):
        job = report_jobs.report_request(actor=agent, case=full_case)
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert job.error
    assert job.evidence_id is None
    assert Evidence.objects.filter(case=full_case).count() == before
    assert not CustodyEvent.objects.filter(kind=CustodyKind.EXPORTED).exists()


def test_progress_is_reported_while_the_inventory_is_read(agent, full_case, monkeypatch):
    """A large inventory reports its progress chunk by chunk (here chunks of 2 over the case's items)."""
    monkeypatch.setattr(report, "INVENTORY_CHUNK", 2)
    steps = []
    content = report.report_context(full_case, on_progress=lambda percent, phase: steps.append((percent, phase)))
    percents = [percent for percent, _phase in steps]
    assert percents == sorted(percents)
    assert steps[-1] == (60, "rendering")
    evidence_steps = [percent for percent, phase in steps if phase == "evidence"]
    assert len(evidence_steps) == 1 + len(content.evidence_ids) // 2
    assert 20 < evidence_steps[-1] <= 60


def test_a_listing_never_names_evidence_of_another_case(agent, full_case):
    other = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    own = list(Evidence.objects.filter(case=full_case).values_list("pk", flat=True))
    with pytest.raises(ValidationError):
        evidence_export_record(actor=agent, case=other, evidence_ids=own, document="Dossier")
    with pytest.raises(ValidationError):
        evidence_export_record(actor=agent, case=full_case, evidence_ids=[*own, 999999], document="Dossier")
    assert not CustodyEvent.objects.filter(kind=CustodyKind.EXPORTED).exists()
    assert evidence_export_record(actor=agent, case=full_case, evidence_ids=own + own, document="Dossier") == len(own)


def test_only_the_team_and_managers_generate_readers_follow_and_download(
    client, agent, legal, full_case, django_capture_on_commit_callbacks
):
    log_in_verified(client, legal)
    tab = client.get(reverse("cases:tab", args=[full_case.pk, "case-file"]))
    assert tab.status_code == 200
    assert "Générer le dossier (PDF)" not in tab.content.decode()
    assert client.post(reverse("dashboards:report_generate", args=[full_case.pk])).status_code == 404
    assert not ReportJob.objects.exists()

    job = generate(client, agent, full_case, django_capture_on_commit_callbacks)
    assert "Générer le dossier (PDF)" in client.get(reverse("cases:tab", args=[full_case.pk, "case-file"])).text

    log_in_verified(client, legal)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert job.evidence.blob.sha256 in page.text
    assert "Prêt" in page.text
    download = client.get(reverse("evidence:download", args=[full_case.pk, job.evidence.pk]))
    assert download.status_code == 200


def test_a_case_not_theirs_is_a_404(client, agent, full_case):
    other = make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")
    secret = case_services.case_open(
        actor=other, origin="ex_officio", legal_regime="gdpr", title="Réservée", confidentiality="restricted"
    )
    job = report_jobs.report_request(actor=other, case=secret)
    log_in_verified(client, agent)
    assert client.post(reverse("dashboards:report_generate", args=[secret.pk])).status_code == 404
    assert client.get(reverse("dashboards:report_job", args=[secret.pk, job.pk])).status_code == 404
    # A job of another case under this case's URL is not found either.
    assert client.get(reverse("dashboards:report_job", args=[full_case.pk, job.pk])).status_code == 404
    assert client.post(reverse("dashboards:report_generate", args=[999999])).status_code == 404


def test_the_page_polls_while_the_report_is_drawn_up(client, agent, full_case):
    job = report_jobs.report_request(actor=agent, case=full_case)  # no commit: the worker never gets it
    log_in_verified(client, agent)
    page = client.get(job.get_absolute_url())
    assert 'hx-trigger="every 2s"' in page.text
    assert "En attente d’un processus de traitement" in page.text
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=45)
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert 'value="45"' in fragment.text
    assert "<html" not in fragment.text
    assert "HX-Refresh" not in fragment
    ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.FAILED)
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    assert "n’a pas pu être établi" in fragment.text


def test_the_tab_lists_the_reports_in_a_constant_number_of_queries(
    client, agent, full_case, django_assert_max_num_queries
):
    for _ in range(3):
        report_jobs.report_request(actor=agent, case=full_case)
    log_in_verified(client, agent)
    client.get(reverse("cases:tab", args=[full_case.pk, "case-file"]))
    with django_assert_max_num_queries(20) as captured:
        response = client.get(reverse("cases:tab", args=[full_case.pk, "case-file"]))
    few = len(captured.captured_queries)
    for _ in range(5):
        report_jobs.report_request(actor=agent, case=full_case)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("cases:tab", args=[full_case.pk, "case-file"]))
    assert response.text.count("En attente d’un processus de traitement") == 8


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_draws_up_the_report(agent, settings):
    with acting(agent):
        case, _procedure = build_case(agent)
    done = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == run_report_job.name:
            done.set()

    task_postrun.connect(on_done, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            job = report_jobs.report_request(actor=agent, case=case)  # queued once committed (autocommit)
            assert done.wait(60)
    finally:
        task_postrun.disconnect(on_done)
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    job.refresh_from_db()
    assert (job.status, job.progress) == (ReportStatus.COMPLETED, 100)
    assert job.evidence.case_id == case.pk
    listed = Evidence.objects.filter(case=case).exclude(pk=job.evidence_id).select_related("blob")
    text = pdf_text(job.evidence)
    assert all(evidence.blob.sha256 in text for evidence in listed)
