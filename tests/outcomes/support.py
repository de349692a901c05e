"""A sanction procedure run through its steps to the point of decision, with fixed past dates."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from apps.outcomes import deliveries, sanctions

PARIS = ZoneInfo("Europe/Paris")
OPENED = date(2025, 1, 2)
REPORT_RECEIVED = datetime(2025, 1, 7, 10, tzinfo=PARIS)
OBSERVATIONS = datetime(2025, 2, 5, 10, tzinfo=PARIS)
CLOSED = date(2025, 2, 10)
HEARING = datetime(2025, 3, 20, 10, tzinfo=PARIS)
CONVOCATION_RECEIVED = datetime(2025, 2, 24, 10, tzinfo=PARIS)  # 24 days ahead


def deliver(agent, kind, document, proof, *, sent_at, received_at=None):
    return deliveries.delivery_record(
        actor=agent,
        document_kind=kind,
        document_id=document.pk,
        means="signed_receipt_letter",
        sent_at=sent_at,
        received_at=received_at,
        proof=proof,
    )


def report_delivered(agent, party, proof, procedure="ordinary"):
    """Procedure opened on OPENED, its report received on REPORT_RECEIVED."""
    record = sanctions.sanction_procedure_open(
        actor=agent,
        party=party,
        procedure=procedure,
        referral_reference="D-2025-001",
        opened_on=OPENED,
        rapporteur="Mme Rapporteure",
    )
    report = sanctions.sanction_report_record(
        actor=agent, procedure=record, reference="RAP-2025-001", dated_on=date(2025, 1, 3)
    )
    deliver(
        agent,
        "sanction_report",
        report,
        proof,
        sent_at=datetime(2025, 1, 6, 9, tzinfo=PARIS),
        received_at=REPORT_RECEIVED,
    )
    return record


def procedure_ready(agent, party, proof, procedure="ordinary", *, hearing=None):
    """Report received, observations answered, investigation closed, and (ordinary, urgency, or a
    simplified procedure with ``hearing=True``) the hearing of HEARING convened in time."""
    record = report_delivered(agent, party, proof, procedure)
    sanctions.observation_record(
        actor=agent,
        procedure=record,
        author="organisation",
        received_at=OBSERVATIONS,
        summary="Observations en défense",
    )
    sanctions.investigation_close(actor=agent, procedure=record, closed_on=CLOSED)
    if hearing is None:
        hearing = procedure != "simplified"
    if hearing:
        if procedure == "simplified":
            sanctions.hearing_request_record(actor=agent, procedure=record)
        held = sanctions.hearing_schedule(actor=agent, procedure=record, scheduled_at=HEARING)
        deliver(
            agent,
            "hearing_convocation",
            held,
            proof,
            sent_at=datetime(2025, 2, 20, 9, tzinfo=PARIS),
            received_at=CONVOCATION_RECEIVED,
        )
    record.refresh_from_db()
    return record
