"""Every row of the transition table, allowed and refused, and the concurrency rule."""

import threading

import pytest
from django.db import connection

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services
from apps.cases.choices import CaseStatus
from apps.cases.models import Case, CaseTransition
from apps.cases.workflow import TRANSITIONS, transition_for
from apps.core.registry import transition_guards, transition_reactions

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(s, t) for s in CaseStatus.values for t in CaseStatus.values if s != t]


def put_in(case: Case, status: str) -> Case:
    """Place a case in a status directly: only to set up the row under test."""
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def decision_for(rule):
    return {"deciding_body": rule.bodies[0], "decision_reference": "D-2026-1"} if rule.bodies else {}


@pytest.mark.parametrize(("source", "target"), [(t.source, t.target) for t in TRANSITIONS])
def test_every_allowed_transition(case, investigator, source, target):
    case = put_in(case, source)
    rule = transition_for(source, target)
    transition = services.case_transition(
        actor=investigator, case=case, to_status=target, reason="motif", service=rule.service_only, **decision_for(rule)
    )
    case.refresh_from_db()
    assert case.status == target
    assert (transition.from_status, transition.to_status, transition.actor) == (source, target, investigator)
    event = AuditEvent.objects.filter(action=AuditAction.CASE_TRANSITIONED, case_id=case.pk).get()
    assert (event.data["from_status"], event.data["to_status"]) == (source, target)
    assert case.history.first().status == target


@pytest.mark.parametrize(("source", "target"), [p for p in ALL_PAIRS if transition_for(*p) is None])
def test_every_other_pair_is_refused_without_writing(case, investigator, source, target):
    case = put_in(case, source)
    events = AuditEvent.objects.count()
    with pytest.raises(services.TransitionRefused) as info:
        services.case_transition(
            actor=investigator,
            case=case,
            to_status=target,
            reason="motif",
            service=True,
            deciding_body="president",
            decision_reference="x",
        )
    assert str(CaseStatus(source).label) in " ".join(info.value.messages)
    assert Case.objects.get(pk=case.pk).status == source
    assert not CaseTransition.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(("source", "target"), [(t.source, t.target) for t in TRANSITIONS if t.service_only])
def test_service_only_transitions_are_refused_to_the_generic_form(case, investigator, source, target):
    case = put_in(case, source)
    rule = transition_for(source, target)
    with pytest.raises(services.TransitionRefused):
        services.case_transition(actor=investigator, case=case, to_status=target, reason="x", **decision_for(rule))


def test_refusal_names_the_current_and_allowed_statuses(investigator, case):
    case = put_in(case, CaseStatus.CLOSED)
    with pytest.raises(services.TransitionRefused) as info:
        services.case_transition(actor=investigator, case=case, to_status=CaseStatus.SANCTION_ORDINARY, reason="x")
    message = " ".join(info.value.messages)
    assert "Clôturé" in message
    assert "Autorisés : En cours d’instruction" in message


def test_a_decision_needs_its_body_and_reference(investigator, case):
    case = put_in(case, CaseStatus.INVESTIGATING)
    with pytest.raises(services.TransitionRefused):
        services.case_transition(actor=investigator, case=case, to_status=CaseStatus.WARNING, reason="x")
    with pytest.raises(services.TransitionRefused):
        services.case_transition(
            actor=investigator,
            case=case,
            to_status=CaseStatus.WARNING,
            reason="x",
            deciding_body="bureau",
            decision_reference="1",
        )
    services.case_transition(
        actor=investigator,
        case=case,
        to_status=CaseStatus.WARNING,
        reason="x",
        deciding_body="president",
        decision_reference="2026-77",
    )


def test_stale_expected_status_is_refused(investigator, case):
    with pytest.raises(services.CaseChangedMeanwhile):
        services.case_transition(
            actor=investigator, case=case, to_status=CaseStatus.INVESTIGATING, reason="x", expected_status="closed"
        )


def test_registered_guard_can_refuse_and_reaction_runs_in_the_transaction(investigator, case):
    seen = []

    def guard(case, source, target, actor):
        return "pas sans pièce" if target == CaseStatus.INVESTIGATING and case.title == "bloqué" else None

    def reaction(case, transition):
        seen.append((case.pk, transition.to_status))

    transition_guards.register(guard)
    transition_reactions.register(reaction)
    try:
        services.case_transition(actor=investigator, case=case, to_status=CaseStatus.INVESTIGATING, reason="x")
        assert seen == [(case.pk, CaseStatus.INVESTIGATING)]
        other = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="bloqué")
        with pytest.raises(services.TransitionRefused, match="pas sans pièce"):
            services.case_transition(actor=investigator, case=other, to_status=CaseStatus.INVESTIGATING, reason="x")
    finally:
        transition_guards._hooks.remove(guard)
        transition_reactions._hooks.remove(reaction)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_users_at_once_one_wins(investigator, manager, case):
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(actor, target):
        try:
            barrier.wait()
            services.case_transition(
                actor=actor,
                case=case,
                to_status=target,
                reason="concurrent",
                expected_status=CaseStatus.OPENED,
                **({"deciding_body": "president", "decision_reference": "1"} if target == "closed" else {}),
            )
            outcomes.append("ok")
        except services.CaseChangedMeanwhile:
            outcomes.append("changed")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(investigator, CaseStatus.INVESTIGATING)),
        threading.Thread(target=attempt, args=(manager, CaseStatus.CLOSED)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["changed", "ok"]
    assert CaseTransition.objects.filter(case=case, from_status=CaseStatus.OPENED).count() == 1
