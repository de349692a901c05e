"""Cases with their status history, teams and parties: one call of ``make_case`` per case, in id order."""

from __future__ import annotations

from apps.cases.choices import CaseStatus
from apps.cases.workflow import transition_for

from .audit import AuditSink
from .people import World
from .plan import CASE_SUBJECTS, DAY, END_SECONDS, PROCESSINGS, stamp

CASE_FIELDS = (
    "id, created_at, updated_at, reference, origin, legal_regime, title, summary, priority, confidentiality,"
    " health_data, status, last_activity_at"
)
COLUMNS = {
    "cases_case": f"{CASE_FIELDS}, lead_investigator_id, opened_by_id, origin_case_id",
    "cases_historicalcase": (
        f"{CASE_FIELDS}, history_id, history_date, history_change_reason, history_type, history_user_id,"
        " lead_investigator_id, opened_by_id, origin_case_id"
    ),
    "cases_casetransition": (
        "id, from_status, to_status, at, reason, deciding_body, decision_reference, actor_id, case_id"
    ),
    "cases_caseuserobjectpermission": "id, content_object_id, permission_id, user_id",
    "cases_party": "id, role, processing, added_at, case_id, organisation_id",
    "cases_historicalparty": (
        "id, role, processing, added_at, history_id, history_date, history_change_reason, history_type, case_id,"
        " history_user_id, organisation_id"
    ),
}

S = CaseStatus
INV = S.INVESTIGATING
# Each final status with the way there from ``opened`` (the transitions of ``cases.workflow``).
OPEN_PATHS = (
    (40, (INV,)),
    (12, ()),
    (6, (INV, S.REMINDER)),
    (5, (INV, S.WARNING)),
    (10, (INV, S.FORMAL_NOTICE)),
    (6, (INV, S.FORMAL_NOTICE, S.NOTICE_COMPLIED)),
    (4, (INV, S.SANCTION_ORDINARY)),
    (3, (INV, S.SANCTION_SIMPLIFIED)),
    (5, (INV, S.SANCTION_ORDINARY, S.DECIDED_SANCTION)),
    (2, (INV, S.SANCTION_SIMPLIFIED, S.DECIDED_NO_SANCTION)),
    (2, (INV, S.SANCTION_ORDINARY, S.DECIDED_SANCTION, S.APPEAL)),
)
CLOSED_PATHS = (
    (15, (S.CLOSED,)),
    (45, (INV, S.CLOSED)),
    (12, (INV, S.REMINDER, S.CLOSED)),
    (6, (INV, S.WARNING, S.CLOSED)),
    (10, (INV, S.FORMAL_NOTICE, S.NOTICE_COMPLIED, S.CLOSED)),
    (5, (INV, S.SANCTION_ORDINARY, S.DECIDED_SANCTION, S.CLOSED)),
    (2, (INV, S.SANCTION_SIMPLIFIED, S.DECIDED_NO_SANCTION, S.CLOSED)),
    (5, (INV, S.CLOSED, INV, S.CLOSED)),
)
ORIGINS = (("complaint", 45), ("breach_notification", 30), ("ex_officio", 20), ("eu_cooperation", 5))
REGIMES = (("gdpr", 80), ("french_law_82", 10), ("electronic_marketing", 7), ("directive_2016_680", 3))
PRIORITIES = (("normal", 70), ("high", 15), ("low", 10), ("urgent", 5))
ROLES = ("controller", "processor", "joint_controller", "sub_processor")
REASONS = {
    S.INVESTIGATING: "Instruction ouverte",
    S.CLOSED: "Clôture après instruction",
    S.REMINDER: "Rappel aux obligations légales",
    S.WARNING: "Avertissement",
    S.FORMAL_NOTICE: "Mise en demeure",
    S.NOTICE_COMPLIED: "Mise en demeure respectée",
    S.SANCTION_ORDINARY: "Rapporteur désigné",
    S.SANCTION_SIMPLIFIED: "Procédure simplifiée",
    S.DECIDED_SANCTION: "Délibération de la formation restreinte",
    S.DECIDED_NO_SANCTION: "Délibération de la formation restreinte",
    S.APPEAL: "Recours devant le Conseil d'État",
}
LABELS = {status.value: str(status.label) for status in S}


def _table(weighted):
    """Paths as plain strings (an enum member in an audit event's data would leave the fast path)."""
    return [tuple(str(status) for status in path) for weight, path in weighted for _ in range(weight)]


def _table_named(weighted):
    return [value for value, weight in weighted for _ in range(weight)]


OPEN_TABLE, CLOSED_TABLE = _table(OPEN_PATHS), _table(CLOSED_PATHS)
ORIGIN_TABLE, REGIME_TABLE, PRIORITY_TABLE = map(_table_named, (ORIGINS, REGIMES, PRIORITIES))


class Case:
    """What the other generators need to know of the case being made."""

    __slots__ = (
        "actors",
        "closes",
        "id",
        "is_large",
        "last",
        "lead",
        "opened",
        "origin",
        "parties",
        "path",
        "reference",
        "team",
        "title",
    )


def team_plan(world: World) -> dict[int, list[int]]:
    """case id -> its team (lead first): every investigator on exactly ``cases_per_investigator`` cases.

    The large case (id 1) has the first three investigators; investigator 1 is on it and on
    ``cases_per_investigator - 1`` others, like everyone.
    """
    plan, rng = world.plan, world.rng
    per = plan.cases_per_investigator
    investigators = world.investigators
    pool = list(range(2, plan.cases + 1))
    rng.shuffle(pool)
    teams: dict[int, list[int]] = {1: list(investigators[:3])}
    cursor = 0
    for rank, member in enumerate(investigators):
        wanted = per - (1 if rank < 3 else 0)
        for _ in range(wanted):
            teams.setdefault(pool[cursor % len(pool)], []).append(member)
            cursor += 1
    for team in teams.values():
        world.cases_of[team[0]] += 0
        for member in team:
            world.cases_of[member] += 1
    return teams


def _path_times(rng, opened: float, path, last: float) -> list[float]:
    """Moments of the transitions: spread between the opening and ``last`` (sorted)."""
    if not path:
        return []
    room = max(60.0, last - opened)
    gaps = [5 * DAY + rng.random() * 150 * DAY for _ in path]
    scale = min(1.0, room * 0.95 / sum(gaps))
    times, moment = [], opened
    for gap in gaps:
        moment += gap * scale
        times.append(moment)
    return times


def make_case(
    world: World, sink: AuditSink, case_id: int, opened: float, team: list[int] | None, references: dict[int, int]
) -> Case:
    """The case row is written by ``finish_case`` (its last activity depends on what follows)."""
    rng, streams = world.rng, world.streams
    rand = rng.random
    case = Case()
    case.id, case.opened, case.is_large = case_id, opened, case_id == 1
    moment_opened = stamp(opened)
    # The reference's year is the Europe/Paris one (UTC+1 at new year).
    year = int(moment_opened[:4]) + (1 if moment_opened[5:10] == "12-31" and moment_opened[11:13] >= "23" else 0)
    references[year] = number = references.get(year, 0) + 1
    case.reference = f"{year}-{number:06d}"
    age_days = (END_SECONDS - opened) / DAY
    closed_share = 0.85 if age_days > 3 * 365 else 0.5 if age_days > 365 else 0.15
    if case.is_large:
        path = (str(INV),)
    else:
        table = CLOSED_TABLE if rand() < closed_share else OPEN_TABLE
        path = table[int(rand() * len(table))]
    case.team = team or []
    case.lead = case.team[0] if case.team else None
    opener = case.lead or world.managers[int(rand() * len(world.managers))]
    case.actors = case.team or [opener]
    case.origin = ORIGIN_TABLE[int(rand() * 100)]
    # Activity stops at the world's end; a closed case a while after its last step.
    last = END_SECONDS - 3600.0
    times = _path_times(rng, opened, path, last)
    case.path = list(zip(path, times, strict=True))
    case.closes = times[-1] if path and path[-1] == S.CLOSED else None
    case.last = opened
    # Parties: 1 to 3 (the large case many), a big operator as processor on one case in ten.
    parties, count = [], (world.plan.large_parties if case.is_large else 1 + int(rand() * 3))
    party_rows, party_history = streams["cases_party"], streams["cases_historicalparty"]
    organisations = world.plan.organisations
    used = set()
    for n in range(count):
        if n == 1 and (case.is_large or rand() < 0.1):
            org, role = 1 + int(rand() * 2), "processor"
        else:
            org, role = 3 + int(rand() * (organisations - 2)), ("controller" if n == 0 else ROLES[int(rand() * 4)])
        processing = PROCESSINGS[int(rand() * len(PROCESSINGS))]
        if (org, role, processing) in used:
            continue
        used.add((org, role, processing))
        pk = world.next_id("cases_party")
        added = opened + 60.0 * (n + 1) + (rand() * 20 * DAY if n else 0.0)
        actor = case.actors[n % len(case.actors)]
        moment = stamp(added)
        party_rows.add(str(pk), role, processing, moment, str(case_id), str(org))
        party_history.add(
            str(pk),
            role,
            processing,
            moment,
            str(world.next_id("cases_historicalparty")),
            moment,
            "party_add",
            "+",
            str(case_id),
            str(actor),
            str(org),
        )
        sink.push(
            added,
            actor,
            "party_added",
            "cases.party",
            str(pk),
            case_id,
            f"{world.org_names[org]} ajouté comme {role} pour « {processing} »",
            {"organisation": org, "role": role},
        )
        parties.append((pk, org, role, added))
        case.last = max(case.last, added)
    case.parties = parties
    subject = CASE_SUBJECTS[int(rand() * len(CASE_SUBJECTS))]
    case.title = subject.format(org=world.org_names[parties[0][1]])
    return case


def finish_case(world: World, sink: AuditSink, case: Case) -> None:
    """The case row, its history, transitions, team permissions and the audit events of all that."""
    rng, streams = world.rng, world.streams
    rand = rng.random
    opened, case_id = case.opened, case.id
    moment_opened = stamp(opened)
    reference = case.reference
    origin = case.origin
    regime = REGIME_TABLE[int(rand() * 100)]
    priority = PRIORITY_TABLE[int(rand() * 100)]
    confidentiality = "restricted" if rand() < 0.05 else "normal"
    health = "t" if (rand() < 0.1 or case.parties[0][1] <= 2) else "f"
    summary = f"Dossier {reference} : instruction relative à {case.title.lower()}."
    opener = case.lead or case.actors[0]
    last = max([case.last] + [moment for _status, moment in case.path])
    status = case.path[-1][0] if case.path else "opened"
    lead = "\\N" if case.lead is None else str(case.lead)
    head = (str(case_id), moment_opened)
    body = (reference, origin, regime, case.title, summary, priority, confidentiality, health)
    streams["cases_case"].add(*head, stamp(last), *body, str(status), stamp(last), lead, str(opener), "\\N")
    history = streams["cases_historicalcase"]

    def historical(moment: float, state: str, lead_text: str, reason: str, kind: str, actor: int) -> None:
        text = stamp(moment)
        history.add(
            *head,
            text,
            *body,
            state,
            text,
            str(world.next_id("cases_historicalcase")),
            text,
            reason,
            kind,
            str(actor),
            lead_text,
            str(opener),
            "\\N",
        )

    historical(opened, "opened", "\\N", "case_open", "+", opener)
    sink.push(
        opened,
        opener,
        "case_opened",
        "cases.case",
        str(case_id),
        case_id,
        f"Dossier {reference} ouvert : {case.title}"[:255],
        {"origin": origin, "legal_regime": regime, "confidentiality": confidentiality, "origin_case": None},
    )
    if case.team:
        perms = streams["cases_caseuserobjectpermission"]
        for member in case.team:
            for permission in world.case_permissions:
                perms.add(
                    str(world.next_id("cases_caseuserobjectpermission")), str(case_id), str(permission), str(member)
                )
            name = world.actors[member][1]
            sink.push(
                opened + 1.0,
                opener,
                "case_assigned",
                "cases.case",
                str(case_id),
                case_id,
                f"{name} rejoint l'équipe",
                {"user": member},
            )
        historical(opened + 1.0, "opened", lead, "case_assign", "~", opener)
    source = "opened"
    transitions = streams["cases_casetransition"]
    for target, moment in case.path:
        rule = transition_for(source, target)
        body_code = rule.bodies[0] if rule and rule.bodies else ""
        decision = f"D-{stamp(moment)[:4]}-{case_id % 100_000:05d}" if body_code else ""
        actor = (
            case.actors[int(rand() * len(case.actors))] if not body_code else world.legal[case_id % len(world.legal)]
        )
        reason = REASONS[target]
        text = stamp(moment)
        transitions.add(
            str(world.next_id("cases_casetransition")),
            source,
            target,
            text,
            reason,
            body_code,
            decision,
            str(actor),
            str(case_id),
        )
        historical(moment, target, lead, f"case_transition: {reason}"[:100], "~", actor)
        sink.push(
            moment,
            actor,
            "case_transitioned",
            "cases.case",
            str(case_id),
            case_id,
            f"Statut : {LABELS[source]} → {LABELS[target]}",
            {
                "from_status": source,
                "to_status": target,
                "reason": reason,
                "deciding_body": body_code,
                "decision_reference": decision,
            },
        )
        source = target
    if source != status:
        raise RuntimeError(f"case {case_id}: the path ends at {source}, not {status}")
