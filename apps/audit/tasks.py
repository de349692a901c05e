from celery import shared_task

from .access import access_seal_all, access_verify
from .anchors import anchor_write
from .services import verification_record
from .verify import verify_chain


@shared_task(acks_late=True)
def verify_audit_chain() -> dict:
    """Recompute the whole chain and the sealed access batches, and keep the result (scheduled nightly by beat).

    Safe to run twice: each run only adds its own verification record.
    """
    result = verify_chain()
    access = access_verify()
    verification_record(result=result, access=access)
    return {
        "ok": result.ok and access.ok,
        "events_checked": result.events_checked,
        "first_broken_seq": result.first_broken_seq,
        "access_records_checked": access.records_checked,
        "access_first_bad_seq": access.first_bad_seq,
    }


@shared_task(acks_late=True)
def anchor_audit_chain() -> dict:
    """Write the chain head outside the database (scheduled by beat; a rerun only adds an anchor)."""
    anchor = anchor_write()
    return {"seq": anchor.seq if anchor else None, "hash": anchor.hash if anchor else None}


@shared_task(acks_late=True)
def seal_access_records() -> dict:
    """Seal the waiting access records into the chain (scheduled by beat every minute).

    Safe to run twice or at once: sealers take the chain lock, and a sealed record is not taken again.
    """
    events = access_seal_all()
    return {"batches": len(events), "records": sum(event.data["count"] for event in events)}
