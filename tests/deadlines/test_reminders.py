"""Deadline reminders and missed-deadline escalations: when they go, to whom, and only once."""

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.choices import ActorKind, AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.deadlines import services
from apps.deadlines.models import DeadlineReminder, DeadlineStatus, ReminderKind
from apps.deadlines.reminders import reminders_claim_due
from apps.deadlines.tasks import send_deadline_reminders
from apps.notifications.models import Notification
from cnilcase.celery import app as celery_app
from tests.support import make_staff

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2025, 3, 3, 10, tzinfo=PARIS)


@pytest.fixture
def investigator(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def outsider(db):
    return make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")


@pytest.fixture
def manager(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


@pytest.fixture
def case(investigator, outsider, manager):
    with time_machine.travel(START, tick=False):
        return case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Rappels")


def make_deadline(case, actor, kind, *, started_at=START, title=""):
    with time_machine.travel(started_at, tick=False):
        return services.deadline_create(
            actor=actor, case=case, kind=kind, started_at=started_at, start_event="Départ", title=title
        )


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return send_deadline_reminders()


def test_day_deadline_reminded_7_days_then_1_day_before_once_each(case, investigator, outsider, manager):
    deadline = make_deadline(case, investigator, "rapporteur_reply")  # 1 month: 03/04/2025, end of day
    due = deadline.due_at
    assert due.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") == "03/04/2025 23:59"

    run_at(due - timedelta(days=8))
    assert mail.outbox == []
    run_at(due - timedelta(days=7) + timedelta(minutes=5))
    run_at(due - timedelta(days=7) + timedelta(hours=1))
    run_at(due - timedelta(days=2))
    assert len(mail.outbox) == 1
    run_at(due - timedelta(days=1) + timedelta(minutes=5))
    run_at(due - timedelta(hours=2))
    run_at(due - timedelta(hours=1))

    assert len(mail.outbox) == 2
    first, second = mail.outbox
    assert first.to == [investigator.email]
    assert case.reference in first.subject
    assert deadline.title in first.subject
    assert "03/04/2025 23:59" in first.body
    assert f"/cases/{case.pk}/tab/deadlines/" in first.body
    assert first.body == second.body
    reminders = DeadlineReminder.objects.filter(deadline=deadline).order_by("-offset_seconds")
    assert [(r.kind, r.offset_seconds, r.sent_at is not None) for r in reminders] == [
        (ReminderKind.REMINDER, 7 * 86400, True),
        (ReminderKind.REMINDER, 86400, True),
    ]
    assert Notification.objects.filter(recipient=investigator, kind="deadline_reminder").count() == 2
    notified = Notification.objects.filter(recipient=investigator)
    assert {(n.title, n.url) for n in notified} == {(first.subject, f"/cases/{case.pk}/tab/deadlines/")}
    assert not Notification.objects.filter(recipient__in=[outsider, manager]).exists()


def test_hour_deadline_reminded_24_then_6_hours_before(case, investigator):
    deadline = make_deadline(case, investigator, "breach_notification")  # 72 h
    due = deadline.due_at
    assert due == START + timedelta(hours=72)

    run_at(START + timedelta(hours=1))
    run_at(due - timedelta(days=7))
    assert mail.outbox == []
    run_at(due - timedelta(hours=24) + timedelta(minutes=5))
    run_at(due - timedelta(hours=20))
    assert len(mail.outbox) == 1
    run_at(due - timedelta(hours=6) + timedelta(minutes=5))
    run_at(due - timedelta(hours=5))
    run_at(due - timedelta(minutes=1))

    assert len(mail.outbox) == 2
    assert "06/03/2025 10:00" in mail.outbox[1].body
    assert sorted(DeadlineReminder.objects.filter(deadline=deadline).values_list("offset_seconds", flat=True)) == [
        6 * 3600,
        24 * 3600,
    ]


def test_only_the_closest_reminder_goes_when_several_are_due(case, investigator):
    """A deadline first seen within a day of its due date (or after an outage) gets one reminder."""
    deadline = make_deadline(case, investigator, "breach_notification")
    run_at(deadline.due_at - timedelta(hours=3))
    run_at(deadline.due_at - timedelta(hours=2))
    assert len(mail.outbox) == 1
    assert list(DeadlineReminder.objects.values_list("offset_seconds", flat=True)) == [6 * 3600]


def test_met_and_cancelled_deadlines_are_neither_reminded_nor_missed(case, investigator, manager):
    met = make_deadline(case, investigator, "rapporteur_reply")
    services.deadline_meet(actor=investigator, deadline=met, met_at=START + timedelta(days=1))
    other_case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Close")
    cancelled = make_deadline(other_case, investigator, "rapporteur_reply")
    case_services.case_transition(
        actor=investigator,
        case=other_case,
        to_status="closed",
        reason="Rien à relever",
        deciding_body="president",
        decision_reference="D-1",
    )
    cancelled.refresh_from_db()
    assert cancelled.status == DeadlineStatus.CANCELLED

    for moment in (met.due_at - timedelta(days=6), met.due_at - timedelta(hours=12), met.due_at + timedelta(days=1)):
        run_at(moment)

    assert mail.outbox == []
    assert not DeadlineReminder.objects.exists()
    met.refresh_from_db()
    cancelled.refresh_from_db()
    assert (met.status, cancelled.status) == (DeadlineStatus.MET, DeadlineStatus.CANCELLED)


def test_missed_deadline_is_marked_and_escalated_to_managers_and_team_once(case, investigator, outsider, manager):
    deadline = make_deadline(case, investigator, "breach_notification")
    late = deadline.due_at + timedelta(minutes=30)

    result = run_at(late)

    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MISSED
    assert result["missed"] == 1
    event = AuditEvent.objects.get(action=AuditAction.DEADLINE_MISSED)
    assert (event.case_id, event.object_id, event.actor_id, event.actor_kind) == (
        case.pk,
        str(deadline.pk),
        None,
        ActorKind.SYSTEM,
    )
    assert deadline.history.first().history_change_reason == "deadline_mark_missed"
    assert len(mail.outbox) == 1
    escalation = mail.outbox[0]
    assert sorted(escalation.to) == sorted([investigator.email, manager.email])
    assert case.reference in escalation.subject
    assert "06/03/2025 10:00" in escalation.body
    assert Notification.objects.filter(kind="deadline_missed").count() == 2
    assert not Notification.objects.filter(recipient=outsider).exists()

    run_at(late + timedelta(hours=1))
    run_at(late + timedelta(days=3))
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_MISSED).count() == 1
    assert DeadlineReminder.objects.get().kind == ReminderKind.MISSED

    # Met late afterwards: still met, and nothing more is sent.
    services.deadline_meet(actor=investigator, deadline=deadline)
    run_at(late + timedelta(days=4))
    assert len(mail.outbox) == 1


def test_mark_missed_refuses_a_deadline_not_yet_due_or_closed(case, investigator):
    deadline = make_deadline(case, investigator, "breach_notification")
    with (
        time_machine.travel(deadline.due_at - timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError, match="pas encore dépassée"),
    ):
        services.deadline_mark_missed(deadline=deadline)
    services.deadline_meet(actor=investigator, deadline=deadline)
    with (
        time_machine.travel(deadline.due_at + timedelta(days=1), tick=False),
        pytest.raises(ValidationError, match="Seule une échéance ouverte"),
    ):
        services.deadline_mark_missed(deadline=deadline)


def test_stale_claim_is_resent_by_the_recovery_pass_and_a_fresh_one_is_not(case, investigator):
    deadline = make_deadline(case, investigator, "breach_notification")
    crashed_at = deadline.due_at - timedelta(hours=24) + timedelta(minutes=5)
    # A run that claimed the reminder, committed, then died before sending it.
    assert reminders_claim_due(token=uuid.uuid4(), now=crashed_at) == 1
    claim = DeadlineReminder.objects.get()

    run_at(crashed_at + timedelta(minutes=10))  # the claim is 10 minutes old: perhaps still being sent
    claim.refresh_from_db()
    assert mail.outbox == []
    assert (claim.sent_at, claim.attempts) == (None, 1)

    result = run_at(crashed_at + timedelta(minutes=31))
    claim.refresh_from_db()
    assert result["recovered"] == 1
    assert len(mail.outbox) == 1
    assert claim.sent_at is not None
    assert claim.attempts == 2
    assert Notification.objects.filter(recipient=investigator).count() == 1

    run_at(crashed_at + timedelta(hours=2))
    assert len(mail.outbox) == 1


def test_stale_claim_of_a_deadline_met_meanwhile_is_not_resent(case, investigator):
    deadline = make_deadline(case, investigator, "breach_notification")
    claimed_at = deadline.due_at - timedelta(hours=20)
    reminders_claim_due(token=uuid.uuid4(), now=claimed_at)
    services.deadline_meet(actor=investigator, deadline=deadline, met_at=claimed_at)
    run_at(claimed_at + timedelta(hours=1))
    assert mail.outbox == []
    assert DeadlineReminder.objects.get().sent_at is None


def test_extending_a_deadline_arms_its_reminders_again(case, investigator):
    deadline = make_deadline(case, investigator, "breach_notification")
    run_at(deadline.due_at - timedelta(hours=5))
    assert len(mail.outbox) == 1
    new_due = deadline.due_at + timedelta(days=2)
    with time_machine.travel(deadline.due_at - timedelta(hours=4), tick=False):
        services.deadline_extend(
            actor=investigator, deadline=deadline, new_due_at=new_due, reason="Demande motivée", granted_by="Chef"
        )
    run_at(new_due - timedelta(hours=5))
    run_at(new_due - timedelta(hours=4))
    assert len(mail.outbox) == 2
    assert new_due.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") in mail.outbox[1].body


def test_case_without_team_reminds_the_managers(manager, investigator):
    with time_machine.travel(START, tick=False):
        case = case_services.case_open(actor=manager, origin="ex_officio", legal_regime="gdpr", title="Sans équipe")
    deadline = make_deadline(case, manager, "breach_notification")
    run_at(deadline.due_at - timedelta(hours=5))
    assert [m.to for m in mail.outbox] == [[manager.email]]


# --- Two runs at once, through a real Celery worker on Redis -------------------------------------


@pytest.fixture
def threaded_worker(settings):
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(
            celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_exactly_once(threaded_worker):
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    manager = make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Course")
    now = timezone.now()
    titles = []
    for n in range(4):  # claimed 40 minutes ago by a run that died before sending: stale
        titles.append(f"Repris {n}")
        services.deadline_create(
            actor=investigator,
            case=case,
            kind="breach_notification",
            started_at=now - timedelta(hours=60),
            start_event="Départ",
            title=titles[-1],
        )
    reminders_claim_due(token=uuid.uuid4(), now=now - timedelta(minutes=40))
    for n in range(12):  # due in 12 hours: the 24-hour reminder is due
        titles.append(f"Rappel {n}")
        services.deadline_create(
            actor=investigator,
            case=case,
            kind="breach_notification",
            started_at=now - timedelta(hours=60),
            start_event="Départ",
            title=titles[-1],
        )
    for n in range(6):  # due 8 hours ago: missed
        titles.append(f"Manqué {n}")
        services.deadline_create(
            actor=investigator,
            case=case,
            kind="breach_notification",
            started_at=now - timedelta(hours=80),
            start_event="Départ",
            title=titles[-1],
        )

    finished, results, lock = threading.Event(), [], threading.Lock()

    def on_done(sender=None, retval=None, **kwargs):
        if sender is not None and sender.name == send_deadline_reminders.name:
            with lock:
                results.append(retval)
                if len(results) == 2:
                    finished.set()

    task_postrun.connect(on_done, weak=False)
    try:
        send_deadline_reminders.delay()
        send_deadline_reminders.delay()
        assert finished.wait(timeout=90), "the worker did not finish both runs"
    finally:
        task_postrun.disconnect(on_done)

    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["sent"] for result in results) == len(titles)
    assert sum(result["missed"] for result in results) == 6  # each deadline marked missed by one run only
    assert sum(result["recovered"] for result in results) == 4  # each stale claim taken again by one run only
    sent_titles = Counter(title for title in titles for message in mail.outbox if f"« {title} »" in message.subject)
    assert sent_titles == Counter(dict.fromkeys(titles, 1))
    assert len(mail.outbox) == len(titles)
    assert DeadlineReminder.objects.filter(sent_at__isnull=False).count() == len(titles)
    assert sorted(DeadlineReminder.objects.values_list("attempts", flat=True)) == [1] * 18 + [2] * 4
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_MISSED).count() == 6
    assert Notification.objects.filter(recipient=investigator).count() == len(titles)
    assert Notification.objects.filter(recipient=manager, kind="deadline_missed").count() == 6
