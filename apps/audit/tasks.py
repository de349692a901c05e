from celery import shared_task

from .anchors import anchor_write
from .services import verification_record
from .verify import verify_chain


@shared_task(acks_late=True)
def verify_audit_chain() -> dict:
    """Recompute the whole chain and keep the result (scheduled nightly by beat).

    Safe to run twice: each run only adds its own verification record.
    """
    result = verify_chain()
    verification_record(result=result)
    return {"ok": result.ok, "events_checked": result.events_checked, "first_broken_seq": result.first_broken_seq}


@shared_task(acks_late=True)
def anchor_audit_chain() -> dict:
    """Write the chain head outside the database (scheduled by beat; a rerun only adds an anchor)."""
    anchor = anchor_write()
    return {"seq": anchor.seq if anchor else None, "hash": anchor.hash if anchor else None}
