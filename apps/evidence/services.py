"""Writes on evidence: registration (store once, by hash), metadata, supersession, custody."""

from __future__ import annotations

import hashlib
import logging

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.core.changes import apply_changes, check_fields
from apps.core.history import save_with_m2m
from apps.core.queue import enqueue_on_commit

from .choices import CustodyKind, ExtractionStatus
from .models import Blob, CustodyEvent, Evidence, IntegrityAlert
from .scanning import ScannerUnavailableError, malware_scan
from .storage import blob_path, evidence_storage
from .text import extract_blob_text
from .uploads import display_filename, stored_filename

logger = logging.getLogger(__name__)
SNIFF_BYTES = 8192
METADATA_FIELDS = (
    "title",
    "description",
    "source",
    "collected_at",
    "collected_by",
    "personal_data",
    "health_data",
    "nir",
)


def sniff_media_type(fileobj) -> str:
    """The media type read from the content (libmagic), never from the client."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    return magic.from_buffer(head, mime=True)


def _check_size(size: int) -> None:
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.EVIDENCE_MAX_UPLOAD_SIZE:
        raise ValidationError(_("The file is larger than the limit."), code="too_big")


def check_upload(*, size: int, media_type: str) -> None:
    _check_size(size)
    if media_type not in settings.EVIDENCE_ALLOWED_TYPES:
        raise ValidationError(
            _("Files of type %(type)s are not accepted as evidence.") % {"type": media_type}, code="type"
        )


def _scan_verdict(fileobj) -> str | None:
    """The malware signature found in the file (None: clean, or scanning off). A scanner that cannot
    answer refuses the file, unless MALWARE_SCAN_FAIL_OPEN."""
    try:
        return malware_scan(fileobj)
    except ScannerUnavailableError as error:
        if settings.MALWARE_SCAN_FAIL_OPEN:
            logger.warning("Malware scanner unavailable, file accepted unscanned (MALWARE_SCAN_FAIL_OPEN): %s", error)
            return None
        logger.error("Malware scanner unavailable, file refused: %s", error)
        raise ValidationError(
            _("The file could not be checked for malware (the scanner is unavailable): try again later."),
            code="scanner_unavailable",
        ) from error


def _malware_error(signature: str) -> ValidationError:
    return ValidationError(
        _("The file contains malware (%(signature)s): it is refused.") % {"signature": signature}, code="malware"
    )


def upload_screen(upload, *, actor, case_id: int | None, ip: str | None = None) -> None:
    """Judge a received file before anything of it is stored: not empty, within the size limit, no
    malware found by the configured scanner, and an accepted type read from its content.

    The upload views call it for every file before their transaction opens, so that one refused file
    of several leaves nothing stored, and so that the audit event of a file refused as malware is kept
    (the refusal itself rolls back everything else). ``blob_store`` runs the same checks for callers
    that did not screen; a screened file is not scanned twice.
    """
    size = getattr(upload, "hashed_size", None)
    size = upload.size if size is None else size
    _check_size(size)
    signature = _scan_verdict(upload)  # before the type: malware in a refused type is still recorded
    if signature:
        sha256 = getattr(upload, "sha256", None) or _hash_file(upload)[0]
        audit_record(
            actor=actor,
            action=AuditAction.EVIDENCE_CUSTODY,
            summary=_("Upload of “%(name)s” refused: malware %(signature)s")
            % {"name": display_filename(upload.name), "signature": signature},
            object_type="evidence.upload",
            object_id=sha256,
            case_id=case_id,
            data={
                "kind": "refused_malware",
                "signature": signature,
                "sha256": sha256,
                "size": size,
                "filename": display_filename(upload.name),
            },
            ip=ip,
        )
        raise _malware_error(signature)
    check_upload(size=size, media_type=sniff_media_type(upload))
    upload.malware_screened = True


def _hash_file(fileobj) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        hasher.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return hasher.hexdigest(), size


def blob_store(fileobj, *, sha256: str | None = None, size: int | None = None) -> Blob:
    """Store the bytes once per SHA-256 and return their blob (an existing one if known)."""
    if sha256 is None or size is None:
        sha256, size = _hash_file(fileobj)
    existing = Blob.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    media_type = sniff_media_type(fileobj)
    check_upload(size=size, media_type=media_type)
    if not getattr(fileobj, "malware_screened", False):  # new bytes that no upload view screened
        signature = _scan_verdict(fileobj)
        if signature:
            raise _malware_error(signature)
    storage, path = evidence_storage(), blob_path(sha256)
    if not storage.exists(path):
        fileobj.seek(0)
        # An upload already on disk is moved, not copied (same filesystem: FILE_UPLOAD_TEMP_DIR).
        content = fileobj if hasattr(fileobj, "temporary_file_path") else File(fileobj, name=path)
        stored = storage.save(path, content)
        if stored != path:  # a concurrent writer stored the same content first
            storage.delete(stored)
    try:
        with transaction.atomic():
            return Blob.objects.create(sha256=sha256, size=size, media_type=media_type, storage_name=path)
    except IntegrityError:
        return Blob.objects.get(sha256=sha256)


def _custody(evidence: Evidence, kind: str, *, actor, ip: str | None, summary: str, **detail) -> CustodyEvent:
    event = CustodyEvent.objects.create(
        evidence=evidence, case_id=evidence.case_id, kind=kind, actor=actor, ip=ip, detail=detail
    )
    audit_record(
        actor=actor,
        action=AuditAction.EVIDENCE_CUSTODY,
        summary=summary,
        object_type="evidence.evidence",
        object_id=str(evidence.pk),
        case_id=evidence.case_id,
        data={"kind": kind, **detail},
        ip=ip,
    )
    return event


@transaction.atomic
def evidence_register(
    *,
    actor,
    case: Case,
    upload,
    title: str,
    source: str,
    description: str = "",
    collected_at=None,
    collected_by=None,
    personal_data: bool = False,
    health_data: bool = False,
    nir: bool = False,
    parties=(),
    supersedes: Evidence | None = None,
    ip: str | None = None,
) -> Evidence:
    """Register one file as evidence: stored by hash, recorded with its first custody event."""
    if supersedes is not None:
        if supersedes.case_id != case.pk:
            raise ValidationError(_("A correction supersedes an item of the same case."))
        if Evidence.objects.filter(supersedes=supersedes).exists():
            raise ValidationError(_("This item has already been superseded."))
    bad_parties = [p for p in parties if p.case_id != case.pk]
    if bad_parties:
        raise ValidationError(_("Evidence can only be linked to parties of its case."))
    # Stored only once everything else is known to be acceptable: a refusal leaves no file behind.
    blob = blob_store(upload, sha256=getattr(upload, "sha256", None), size=getattr(upload, "hashed_size", None))
    evidence = Evidence(
        case=case,
        blob=blob,
        title=title,
        description=description,
        source=source,
        original_filename=stored_filename(upload.name, blob.media_type),
        collected_at=collected_at,
        collected_by=collected_by,
        personal_data=personal_data,
        health_data=health_data,
        nir=nir,
        supersedes=supersedes,
        registered_by=actor,
    )
    evidence._change_reason = "evidence_register"
    save_with_m2m(evidence, {"parties": parties})  # one "created" version, its parties included
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
    _custody(
        evidence,
        CustodyKind.REGISTERED,
        actor=actor,
        ip=ip,
        summary=_("Evidence “%(title)s” registered (SHA-256 %(hash)s)") % {"title": title, "hash": blob.sha256[:12]},
        sha256=blob.sha256,
        size=blob.size,
        source=source,
        media_type=blob.media_type,
        supersedes=supersedes.pk if supersedes else None,
    )
    if blob.extraction_status == ExtractionStatus.PENDING:
        # Text for search is read by the worker once the file is committed (apps/evidence/text.py).
        enqueue_on_commit(extract_blob_text, blob.pk)
    return evidence


@transaction.atomic
def evidence_update(*, actor, evidence: Evidence, ip: str | None = None, **fields) -> Evidence:
    """Correct an item's description (never its file); history keeps every version."""
    check_fields(fields, METADATA_FIELDS)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    changed = apply_changes(evidence, fields, METADATA_FIELDS)
    if not changed:
        return evidence
    evidence._change_reason = "evidence_update"
    evidence.save(update_fields=changed)
    audit_record(
        actor=actor,
        action=AuditAction.EVIDENCE_CHANGED,
        summary=_("Evidence “%(title)s” described anew") % {"title": evidence.title},
        object_type="evidence.evidence",
        object_id=str(evidence.pk),
        case_id=evidence.case_id,
        data={"fields": sorted(changed)},
        ip=ip,
    )
    return evidence


@transaction.atomic
def evidence_download_record(*, actor, evidence: Evidence, ip: str | None) -> CustodyEvent:
    return _custody(
        evidence,
        CustodyKind.DOWNLOADED,
        actor=actor,
        ip=ip,
        summary=_("Evidence “%(title)s” downloaded") % {"title": evidence.title},
    )


EXPORT_BATCH = 1000


@transaction.atomic
def evidence_export_record(
    *, actor, case: Case, evidence_ids: list[int], document: str, ip: str | None = None, **detail
) -> int:
    """Record that the items ``evidence_ids`` of ``case`` were listed in an exported document (a case-file report).

    ISO/IEC 27037: an item's description leaving the system is part of its chain of custody. Each
    item gets an ``exported`` custody event (bulk-created: a report may list thousands); one audit
    event names the document and the number of items, rather than one event per item.
    Items of another case are refused. Returns the number of custody events written.
    """
    ids = sorted(set(evidence_ids))
    detail = {"document": document, **detail}
    now = timezone.now()
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start : start + EXPORT_BATCH]  # bounded IN lists, whatever the number of items
        if Evidence.objects.filter(pk__in=batch, case=case).count() != len(batch):
            raise ValidationError(_("Only evidence of the case can be listed in its documents."))
        CustodyEvent.objects.bulk_create(
            [
                CustodyEvent(
                    evidence_id=pk, case=case, kind=CustodyKind.EXPORTED, actor=actor, at=now, ip=ip, detail=detail
                )
                for pk in batch
            ]
        )
    audit_record(
        actor=actor,
        action=AuditAction.EVIDENCE_CUSTODY,
        summary=_("%(count)d evidence items listed in “%(document)s”") % {"count": len(ids), "document": document},
        object_type="cases.case",
        object_id=str(case.pk),
        case_id=case.pk,
        data={"kind": CustodyKind.EXPORTED, "count": len(ids), **detail},
        ip=ip,
    )
    return len(ids)


@transaction.atomic
def evidence_transfer(*, actor, evidence: Evidence, recipient: str, reason: str, ip: str | None = None) -> CustodyEvent:
    """Record that the item was handed to someone (e.g. the rapporteur), with the reason."""
    if not recipient.strip() or not reason.strip():
        raise ValidationError(_("A transfer names its recipient and its reason."))
    return _custody(
        evidence,
        CustodyKind.TRANSFERRED,
        actor=actor,
        ip=ip,
        summary=_("Evidence “%(title)s” transferred to %(recipient)s")
        % {"title": evidence.title, "recipient": recipient},
        recipient=recipient.strip(),
        reason=reason.strip(),
    )


def blob_verify(blob: Blob) -> tuple[bool, str]:
    """Re-hash the stored bytes: (intact, problem) — problem is '', 'missing' or 'mismatch'."""
    storage = evidence_storage()
    try:
        with storage.open(blob.storage_name, "rb") as handle:
            sha256, _size = _hash_file(handle)
    except (FileNotFoundError, OSError):
        return False, IntegrityAlert.Problem.MISSING
    if sha256 != blob.sha256:
        return False, IntegrityAlert.Problem.MISMATCH
    return True, ""


@transaction.atomic
def blob_verification_record(*, blob: Blob, intact: bool, problem: str) -> None:
    """Each result is a custody event on every item using the blob; a failure raises an alert."""
    for evidence in blob.evidence.all():
        _custody(
            evidence,
            CustodyKind.VERIFIED,
            actor=None,
            ip=None,
            summary=(
                _("Integrity verified") if intact else _("Integrity check FAILED: %(problem)s") % {"problem": problem}
            ),
            intact=intact,
            problem=problem,
        )
    if not intact:
        IntegrityAlert.objects.create(blob=blob, problem=problem)
