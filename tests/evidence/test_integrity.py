import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.evidence import services
from apps.evidence.models import Blob, CustodyEvent, CustodyLogAppendOnlyError, Evidence, IntegrityAlert
from apps.evidence.tasks import remove_orphan_blobs, verify_evidence_integrity
from tests.support import log_in_verified, make_staff

from .conftest import CSV, PDF

pytestmark = pytest.mark.django_db


def register(investigator, case, content, name="pv.pdf"):
    return services.evidence_register(
        actor=investigator, case=case, upload=ContentFile(content, name=name), title=name, source="public"
    )


def test_integrity_pass_detects_an_altered_blob_and_is_idempotent(investigator, case, evidence_root):
    good = register(investigator, case, PDF)
    bad = register(investigator, case, CSV, "extrait.csv")
    (evidence_root / bad.blob.storage_name).write_bytes(CSV + b"tampered")
    assert verify_evidence_integrity.apply().get() == {"checked": 2, "failed": 1}
    alert = IntegrityAlert.objects.get()
    assert (alert.blob, alert.problem) == (bad.blob, "mismatch")
    verified = CustodyEvent.objects.filter(kind="verified")
    assert verified.get(evidence=good).detail["intact"] is True
    assert verified.get(evidence=bad).detail["problem"] == "mismatch"
    # Run again: the pass is done and not due yet, nothing more is recorded.
    assert verify_evidence_integrity.apply().get()["checked"] == 0
    assert IntegrityAlert.objects.count() == 1
    assert CustodyEvent.objects.filter(kind="verified").count() == 2


def test_integrity_pass_resumes_in_batches_and_reports_missing_blobs(investigator, case, evidence_root, settings):
    settings.EVIDENCE_INTEGRITY_BATCH = 2
    items = [register(investigator, case, PDF + bytes([i]), f"{i}.pdf") for i in range(5)]
    os.remove(evidence_root / items[4].blob.storage_name)
    assert verify_evidence_integrity.apply().get()["checked"] == 2
    assert verify_evidence_integrity.apply().get()["checked"] == 2
    assert verify_evidence_integrity.apply().get() == {"checked": 1, "failed": 1}
    assert IntegrityAlert.objects.get().problem == "missing"
    assert CustodyEvent.objects.filter(kind="verified").count() == 5


def test_alert_is_shown_to_managers(investigator, case, evidence_root, client):
    item = register(investigator, case, PDF)
    (evidence_root / item.blob.storage_name).write_bytes(b"x")
    verify_evidence_integrity.apply()
    log_in_verified(client, make_staff("claire@cnil.test", roles=("manager",)))
    assert "Alerte d’intégrité" in client.get(f"/cases/{case.pk}/tab/evidence/").content.decode()
    assert item.title in client.get("/cases/integrity-alerts/").content.decode()


def test_orphan_blobs_older_than_a_day_are_removed(investigator, case, evidence_root):
    kept = register(investigator, case, PDF)
    orphan = evidence_root / "sha256" / "ab" / "cd" / ("abcd" + "0" * 60)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind")
    fresh = evidence_root / "sha256" / "ef" / "01" / ("ef01" + "0" * 60)
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(b"being written")
    old = time.time() - timedelta(days=2).total_seconds()
    os.utime(orphan, (old, old))
    os.utime(evidence_root / kept.blob.storage_name, (old, old))
    assert remove_orphan_blobs.apply().get() == {"removed": 1}
    assert not orphan.exists()
    assert fresh.exists()
    assert (evidence_root / kept.blob.storage_name).exists()


def test_nothing_replaces_or_deletes_a_file(investigator, case):
    item = register(investigator, case, PDF)
    with pytest.raises(TypeError):
        services.evidence_update(actor=investigator, evidence=item, blob=Blob(sha256="0" * 64))
    services.evidence_update(actor=investigator, evidence=item, title="PV corrigé")
    assert Evidence.objects.get(pk=item.pk).blob == item.blob
    assert item.history.count() == 2
    event = CustodyEvent.objects.get(evidence=item)
    with pytest.raises(CustodyLogAppendOnlyError):
        event.delete()
    with pytest.raises(CustodyLogAppendOnlyError):
        CustodyEvent.objects.all().update(kind="downloaded")
    # A correction is a new item that supersedes the old one; both stay.
    correction = services.evidence_register(
        actor=investigator,
        case=case,
        upload=ContentFile(PDF + b"v2", name="pv-v2.pdf"),
        title="PV v2",
        source="public",
        supersedes=item,
    )
    assert Evidence.objects.get(pk=item.pk).superseded_by == correction
    assert Evidence.objects.count() == 2
    assert not hasattr(services, "evidence_replace")
    assert timezone.now() >= correction.registered_at
