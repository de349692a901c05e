"""The database session of a case transition terminated mid-transaction (pg_terminate_backend, as a
failover, a restart or an administrator would): nothing of it is written — the case, its history row,
the transition and its audit event exist together or not at all — and the page answers 503.

The transition is stopped at a chosen point by the audit chain's head row, which the test locks from
a second connection: the case row, its history row and the transition are then written (uncommitted)
and the audit event waits for the lock.
"""

import threading

import pytest
from django.db import OperationalError, connection

from apps.audit.models import AuditChainHead, AuditEvent
from apps.audit.verify import verify_chain
from apps.cases import services
from apps.cases.models import Case, CaseTransition
from tests.support import log_in_verified, make_staff

from .conftest import WAIT, blocked_by

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

WRITTEN_BEFORE_THE_AUDIT_EVENT = {
    Case._meta.db_table,
    Case.history.model._meta.db_table,
    CaseTransition._meta.db_table,
}
FORM = {"expected_status": "opened", "to_status": "investigating", "reason": "Premières constatations"}


def state(case) -> dict:
    return {
        "status": Case.objects.get(pk=case.pk).status,
        "transitions": CaseTransition.objects.filter(case=case).count(),
        "history rows": Case.history.filter(id=case.pk).count(),
        "audit events": AuditEvent.objects.filter(case_id=case.pk).count(),
    }


def in_thread(work):
    """Run ``work`` on a connection of its own (Django's are per thread); closed when it ends."""
    outcome = {}

    def target():
        try:
            outcome["value"] = work()
        except Exception as error:  # handed to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def cut_off_mid_transition(side, work):
    """Run ``work`` until it waits for the audit chain, check what it has written, terminate its session."""
    watcher, chain = side(), side()
    chain.execute(f'SELECT 1 FROM "{AuditChainHead._meta.db_table}" WHERE id = 1 FOR UPDATE')  # noqa: S608  # nosec B608
    thread, outcome = in_thread(work)
    blocked = blocked_by(watcher, chain)
    assert blocked["written"] >= WRITTEN_BEFORE_THE_AUDIT_EVENT, blocked  # mid-transaction, with writes
    assert watcher.execute("SELECT pg_terminate_backend(%s)", [blocked["pid"]]).fetchone()[0]
    watcher.commit()
    thread.join(WAIT)
    assert not thread.is_alive()
    chain.commit()
    return outcome


def test_transition_whose_session_is_terminated_writes_nothing_and_can_be_retried(side):
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Coupure")
    before = state(case)

    outcome = cut_off_mid_transition(side, lambda: services.case_transition(actor=investigator, case=case, **FORM))

    assert isinstance(outcome.get("error"), OperationalError), outcome  # a clear error, not a half success
    assert state(case) == before
    assert verify_chain().ok
    services.case_transition(actor=investigator, case=case, **FORM)  # the retry goes through, once
    assert state(case) == {
        "status": "investigating",
        "transitions": before["transitions"] + 1,
        "history rows": before["history rows"] + 1,
        "audit events": before["audit events"] + 1,
    }


def test_transition_page_whose_session_is_terminated_answers_503_and_writes_nothing(side, client):
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Coupure")
    log_in_verified(client, investigator)
    before = state(case)

    outcome = cut_off_mid_transition(side, lambda: client.post(f"/cases/{case.pk}/transition/", FORM))

    response = outcome["value"]
    assert response.status_code == 503
    body = response.content.decode()
    assert 'name="reason"' in body  # the form again, with what was typed, to try again
    assert FORM["reason"] in body
    assert state(case) == before
    assert client.post(f"/cases/{case.pk}/transition/", FORM).status_code == 302
    assert state(case)["status"] == "investigating"
