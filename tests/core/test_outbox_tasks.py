"""Each task queued through the outbox is idempotent: the relay sending its row twice (published,
then a crash before the row is marked sent) does the work once.

The relay runs here in Celery's eager mode, so the task runs in this process each time the row is
published; the same with a real worker on a real Redis is in test_outbox_worker.py.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.breaches import services as breach_services
from apps.breaches.models import CampaignImport, CampaignRecipient
from apps.breaches.tasks import run_campaign_import
from apps.cases import services as case_services
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_relay
from apps.dashboards import report_jobs
from apps.dashboards.choices import ReportStatus
from apps.dashboards.tasks import run_report_job
from apps.evidence import services as evidence_services
from apps.evidence.choices import EvidenceSource, ExtractionStatus
from apps.evidence.models import Blob, Evidence
from apps.evidence.text import extract_blob_text
from tests.breaches.test_campaigns import nir
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case(agent):
    return case_services.case_open(actor=agent, origin="breach_notification", legal_regime="gdpr", title="Fuite")


def relay_twice(task) -> OutboxMessage:
    """Send the task's pending row, then again as if the relay had crashed before marking it sent."""
    row = OutboxMessage.objects.get(task_name=task.name, sent_at__isnull=True)
    assert outbox_relay(min_age=0).sent >= 1
    assert OutboxMessage.objects.get(pk=row.pk).sent_at is not None
    OutboxMessage.objects.filter(pk=row.pk).update(sent_at=None)
    assert outbox_relay(min_age=0).sent >= 1
    return row


def test_a_campaign_import_sent_twice_merges_once(agent, case, django_capture_on_commit_callbacks):
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")
    campaign = breach_services.campaign_record(
        actor=agent, case=case, controller=insurer, decision="required", channels=["letter"], planned_total=10
    )
    client = Client()
    log_in_verified(client, agent)
    content = f"identifier,channel,status,date\n{nir(1)},letter,sent,2024-03-01\n{nir(2)},letter,failed,2024-03-01\n"
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: the row waits
        response = client.post(
            f"/cases/{case.pk}/breach/campaigns/{campaign.pk}/import/",
            {"report": SimpleUploadedFile("rapport.csv", content.encode(), content_type="text/csv"), "mode": "all"},
        )
    assert response.status_code == 302
    imported = CampaignImport.objects.get()
    assert imported.status == "queued"

    relay_twice(run_campaign_import)

    imported.refresh_from_db()
    assert (imported.status, imported.inserted, imported.updated, imported.error) == ("completed", 2, 0, "")
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 2
    campaign.refresh_from_db()
    assert (campaign.sent, campaign.failed) == (1, 1)
    assert AuditEvent.objects.filter(action=AuditAction.CAMPAIGN_IMPORTED).count() == 2  # received, finished


def test_a_report_job_sent_twice_registers_one_report(agent, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = report_jobs.report_request(actor=agent, case=case)

    relay_twice(run_report_job)

    job.refresh_from_db()
    assert job.status == ReportStatus.COMPLETED
    assert Evidence.objects.filter(case=case, source=EvidenceSource.CNIL, title__startswith="Dossier").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DOCUMENT_GENERATED, case_id=case.pk).count() == 1


def test_a_text_extraction_sent_twice_reads_the_file_once(agent, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        evidence = evidence_services.evidence_register(
            actor=agent,
            case=case,
            upload=ContentFile(b"Note interne\nchiffrement des sauvegardes\n", name="note.txt"),
            title="Note",
            source="documentary",
        )
    row = OutboxMessage.objects.get(task_name=extract_blob_text.name)
    assert outbox_relay(min_age=0).sent == 1
    blob = Blob.objects.get(pk=evidence.blob_id)
    assert blob.extraction_status == ExtractionStatus.DONE
    assert "chiffrement des sauvegardes" in blob.extracted_text
    read_at = blob.extracted_at

    OutboxMessage.objects.filter(pk=row.pk).update(sent_at=None)
    assert outbox_relay(min_age=0).sent == 1
    blob.refresh_from_db()
    assert (blob.extraction_status, blob.extracted_at) == (ExtractionStatus.DONE, read_at)
