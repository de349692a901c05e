"""Deadlines (open, met, missed, cancelled; past and future; some overdue) and their history."""

from __future__ import annotations

from apps.deadlines.rules import RULES

from .audit import AuditSink
from .cases import Case
from .people import World
from .plan import DAY, END_SECONDS, stamp

DEADLINE = (
    "id, kind, title, rule_text, legal_source, amount, unit, start_event, started_at, due_at, rolled_from,"
    " status, met_at, max_extensions, object_type, object_id, created_at"
)
COLUMNS = {
    "deadlines_deadline": f"{DEADLINE}, case_id, created_by_id",
    "deadlines_historicaldeadline": (
        f"{DEADLINE}, history_id, history_date, history_change_reason, history_type, case_id, created_by_id,"
        " history_user_id"
    ),
}
UNIT_SECONDS = {"hours": 3600.0, "days": DAY, "weeks": 7 * DAY, "months": 30 * DAY}
CASE_KINDS = tuple(
    code
    for code, rule in RULES.items()
    if rule.amount is not None and rule.direction == "forward" and code != "breach_notification"
)
START_EVENTS = {
    "document_request": "Demande envoyée",
}
END_REASONS = {"met": "deadline_meet", "missed": "deadline_mark_missed", "cancelled": "deadline_cancel"}
END_ACTIONS = {"met": "deadline_met", "missed": "deadline_missed", "cancelled": "deadline_cancelled"}


def deadline(
    world: World,
    sink: AuditSink,
    case: Case,
    kind: str,
    started: float,
    *,
    amount: int | None = None,
    title: str = "",
    object_type: str = "",
    object_id: str = "",
    met_share: float = 0.65,
) -> tuple[int, float]:
    """One deadline with the history and audit events of its life; returns (id, due moment)."""
    rng, streams = world.rng, world.streams
    rand = rng.random
    rule = RULES[kind]
    length = amount if amount is not None else rule.amount
    due = started + length * UNIT_SECONDS[rule.unit]
    pk = world.next_id("deadlines_deadline")
    actor = case.actors[int(rand() * len(case.actors))]
    # Where the deadline stands at the world's end.
    roll = rand()
    met_at = None
    if case.closes is not None and due > case.closes and roll >= met_share:
        status, ended = "cancelled", case.closes
    elif due < END_SECONDS:
        if roll < met_share:
            status, ended = "met", started + (due - started) * (0.2 + 0.75 * rand())
            met_at = ended
        elif roll < met_share + 0.12:
            status, ended = "missed", due + DAY
        elif roll < met_share + 0.22:
            status, ended = "cancelled", started + (due - started) * rand()
        else:
            status, ended = "open", None  # overdue
    elif roll < 0.05:
        status, ended = "met", min(END_SECONDS - 60.0, started + (due - started) * 0.3)
        met_at = ended
    else:
        status, ended = "open", None
    if status == "open" and case.closes is not None:
        status, ended = "cancelled", max(case.closes, started)  # closing a case cancels its open deadlines
    label = title or str(rule.label)
    rule_text = f"{length} {rule.unit}{' (délai franc)' if rule.franc else ''}, {rule.direction}"
    start_event = START_EVENTS.get(kind, "Ouverture de l'étape")
    created = stamp(started)
    head = (str(pk), kind, label[:255], rule_text, rule.source[:255], str(length), rule.unit, start_event[:255])
    times = (created, stamp(due), "\\N")
    tail = ("\\N" if rule.max_extensions is None else str(rule.max_extensions), object_type, object_id, created)
    met_text = "\\N" if met_at is None else stamp(met_at)
    streams["deadlines_deadline"].add(*head, *times, status, met_text, *tail, str(case.id), str(actor))
    history = streams["deadlines_historicaldeadline"]
    history.add(
        *head,
        *times,
        "open",
        "\\N",
        *tail,
        str(world.next_id("deadlines_historicaldeadline")),
        created,
        "deadline_create",
        "+",
        str(case.id),
        str(actor),
        str(actor),
    )
    due_text = times[1][:16].replace("T", " ")
    sink.push(
        started,
        actor,
        "deadline_created",
        "deadlines.deadline",
        str(pk),
        case.id,
        f"Échéance « {label} » pour le {due_text}"[:255],
        {"kind": kind, "due_at": times[1]},
    )
    if ended is not None:
        closing_actor = None if status == "missed" else actor
        reason = "case closed" if status == "cancelled" and ended == case.closes else END_REASONS[status]
        history.add(
            *head,
            *times,
            status,
            met_text,
            *tail,
            str(world.next_id("deadlines_historicaldeadline")),
            stamp(ended),
            reason,
            "~",
            str(case.id),
            str(actor),
            "\\N" if closing_actor is None else str(closing_actor),
        )
        sink.push(
            ended,
            closing_actor,
            END_ACTIONS[status],
            "deadlines.deadline",
            str(pk),
            case.id,
            f"Échéance « {label} » : {status}"[:255],
            {"status": status},
        )
        case.last = max(case.last, ended)
    case.last = max(case.last, started)
    return pk, due


def make_deadlines(world: World, sink: AuditSink, case: Case) -> None:
    rand = world.rng.random
    count = world.plan.large_deadlines if case.is_large else int(rand() * 4)
    stop = case.closes or END_SECONDS - DAY
    room = max(60.0, stop - case.opened)
    for n in range(count):
        kind = CASE_KINDS[int(rand() * len(CASE_KINDS))]
        started = case.opened + room * (n + rand()) / max(count, 1)
        deadline(world, sink, case, kind, started)
