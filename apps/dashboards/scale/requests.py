"""Portal accesses, requests for information with their questions, and the outcomes managers count:
formal notices, sanction decisions, breach notifications."""

from __future__ import annotations

import json
import uuid

from apps.cases.choices import CaseStatus as S

from .audit import AuditSink
from .cases import Case
from .deadlines import deadline
from .people import World
from .plan import DAY, END_SECONDS, QUESTIONS, day, stamp

REQUEST = "id, batch, subject, letter, period_days, status, sent_at, closed_at, created_at"
ACCESS = "id, role, created_at, revoked_at"
HISTORY = "history_id, history_date, history_change_reason, history_type"
COLUMNS = {
    "info_requests_portalaccess": (
        f"{ACCESS}, case_id, invited_by_id, organisation_id, party_id, revoked_by_id, user_id"
    ),
    "info_requests_historicalportalaccess": (
        f"{ACCESS}, {HISTORY}, case_id, history_user_id, invited_by_id, organisation_id, party_id, revoked_by_id,"
        " user_id"
    ),
    "info_requests_inforequest": f"{REQUEST}, case_id, created_by_id, organisation_id, party_id",
    "info_requests_historicalinforequest": (
        f"{REQUEST}, {HISTORY}, case_id, created_by_id, history_user_id, organisation_id, party_id"
    ),
    "info_requests_question": "id, position, text, expects, request_id",
    "info_requests_historicalquestion": f"id, position, text, expects, {HISTORY}, history_user_id, request_id",
    "outcomes_formalnotice": (
        "id, decision_reference, decided_on, urgent, period_days, status, public, bureau_decision_reference,"
        " published_on, recorded_at, case_id, party_id, recorded_by_id, closure_published_on"
    ),
    "outcomes_sanctiondecision": (
        "id, procedure, deciding_body, reference, decided_on, no_sanction, fine, reminder, injunction,"
        " penalty_per_day, published, ceiling, ceiling_explanation, recorded_at, case_id, party_id, recorded_by_id,"
        " turnover_id, limitation, limitation_until"
    ),
    "breaches_breachnotification": (
        "id, phase, received_at, processor_informed_at, awareness_at, occurred_from, occurred_to, natures,"
        " data_categories, subject_categories, approx_subjects, approx_records, dpo_contact, likely_consequences,"
        " measures_taken, measures_proposed, cross_border, delay_reason, recorded_at, case_id, controller_id,"
        " recorded_by_id"
    ),
}
PORTAL_ROLES = ("dpo", "counsel", "security", "other")
EXPECTS = ("text", "documents", "both")
STATUSES = (("sent", 30), ("partially_answered", 10), ("answered", 25), ("closed", 35))
STATUS_TABLE = [status for status, weight in STATUSES for _ in range(weight)]
ACCESSES_PER_USER = 5
SUBJECTS = (
    "Demande de pièces sur {processing}",
    "Questionnaire relatif à {processing}",
    "Compléments sur {processing}",
)


def make_accesses(world: World, sink: AuditSink, case: Case) -> list[tuple[int, int, int]]:
    """Portal users of a party's organisation are invited on the case (a few cases each).

    Returns the (party, organisation, user) pairs invited, so that requests follow on them.
    """
    streams, invited = world.streams, []
    for party, org, _role, added in case.parties:
        for user in world.portal_by_org.get(org, ()):
            if world.accesses_of[user] >= ACCESSES_PER_USER and not case.is_large:
                continue
            world.accesses_of[user] += 1
            pk = world.next_id("info_requests_portalaccess")
            moment = added + DAY
            created = stamp(moment)
            role = PORTAL_ROLES[pk % 4]
            inviter = case.actors[0]
            ids = (str(case.id), str(inviter), str(org), str(party), "\\N", str(user))
            streams["info_requests_portalaccess"].add(str(pk), role, created, "\\N", *ids)
            streams["info_requests_historicalportalaccess"].add(
                str(pk),
                role,
                created,
                "\\N",
                str(world.next_id("info_requests_historicalportalaccess")),
                created,
                "portal_invite",
                "+",
                str(case.id),
                str(inviter),
                *ids[1:],
            )
            sink.push(
                moment,
                inviter,
                "portal_invited",
                "info_requests.portalaccess",
                str(pk),
                case.id,
                f"{world.actors[user][1]} invité pour {world.org_names[org]}",
                {"user": user, "organisation": org, "role": role},
            )
            invited.append((party, org, user))
            case.last = max(case.last, moment)
    return invited


def make_requests(world: World, sink: AuditSink, case: Case, invited) -> None:
    rng, streams = world.rng, world.streams
    rand = rng.random
    targets = {(party, org) for party, org, _user in invited}
    if case.is_large:
        targets |= {(party, org) for party, org, _role, _added in case.parties}
        count = world.plan.large_requests
    elif targets or rand() < 0.04:
        targets = targets or {(case.parties[0][0], case.parties[0][1])}
        count = len(targets)
    else:
        return
    targets = sorted(targets)
    stop = case.closes or END_SECONDS - 2 * DAY
    room = max(600.0, stop - case.opened - DAY)
    for n in range(count):
        party, org = targets[n % len(targets)]
        pk = world.next_id("info_requests_inforequest")
        created = case.opened + DAY + room * (n + rand()) / count
        sent = created + 3600.0
        status = "closed" if case.closes is not None else STATUS_TABLE[int(rand() * 100)]
        closed = None
        if status == "closed":
            closed = min(sent + 40 * DAY * rand() + DAY, case.closes or END_SECONDS - 60.0)
            closed = max(closed, sent + 60.0)
        subject = SUBJECTS[n % 3].format(processing="la gestion des données")
        author = case.actors[n % len(case.actors)]
        batch = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        letter = (
            f"Madame, Monsieur, dans le cadre du dossier {case.reference}, veuillez répondre aux questions ci-dessous."
        )
        body = (str(pk), batch, subject, letter, "30")
        ids = (str(case.id), str(author), str(org), str(party))
        created_text, sent_text = stamp(created), stamp(sent)
        closed_text = "\\N" if closed is None else stamp(closed)
        streams["info_requests_inforequest"].add(*body, status, sent_text, closed_text, created_text, *ids)
        history = streams["info_requests_historicalinforequest"]
        hist_ids = (str(case.id), str(author), str(author), str(org), str(party))
        history.add(
            *body,
            "draft",
            "\\N",
            "\\N",
            created_text,
            str(world.next_id("info_requests_historicalinforequest")),
            created_text,
            "request_create",
            "+",
            *hist_ids,
        )
        history.add(
            *body,
            "sent",
            sent_text,
            "\\N",
            created_text,
            str(world.next_id("info_requests_historicalinforequest")),
            sent_text,
            "request_send",
            "~",
            *hist_ids,
        )
        sink.push(
            created,
            author,
            "info_request_created",
            "info_requests.inforequest",
            str(pk),
            case.id,
            f"Demande « {subject} » préparée",
            {"organisation": org},
        )
        for position in range(1 + int(rand() * 3)):
            question = QUESTIONS[(pk + position) % len(QUESTIONS)]
            q_pk = world.next_id("info_requests_question")
            expects = EXPECTS[q_pk % 3]
            streams["info_requests_question"].add(str(q_pk), str(position), question, expects, str(pk))
            streams["info_requests_historicalquestion"].add(
                str(q_pk),
                str(position),
                question,
                expects,
                str(world.next_id("info_requests_historicalquestion")),
                created_text,
                "request_create",
                "+",
                str(author),
                str(pk),
            )
        sink.push(
            sent,
            author,
            "info_request_sent",
            "info_requests.inforequest",
            str(pk),
            case.id,
            f"Demande « {subject} » envoyée",
            {"organisation": org},
        )
        deadline(
            world,
            sink,
            case,
            "document_request",
            sent,
            amount=30,
            title=f"Réponse de {world.org_names[org]} à « {subject} »",
            object_type="info_requests.inforequest",
            object_id=str(pk),
            met_share=0.8 if status in ("answered", "closed") else 0.0,
        )
        if closed is not None:
            history.add(
                *body,
                "closed",
                sent_text,
                closed_text,
                created_text,
                str(world.next_id("info_requests_historicalinforequest")),
                closed_text,
                "request_close",
                "~",
                *hist_ids,
            )
            sink.push(
                closed,
                author,
                "info_request_closed",
                "info_requests.inforequest",
                str(pk),
                case.id,
                f"Demande « {subject} » close",
                {},
            )
        case.last = max(case.last, closed or sent)
        # A user invited twice on the case (its organisation in two parties) sees the request once.
        for user in {user for _party, invited_org, user in invited if invited_org == org}:
            world.requests_of[user] += 1


def make_outcomes(world: World, sink: AuditSink, case: Case) -> None:
    streams = world.streams
    rand = world.rng.random
    party, org = case.parties[0][0], case.parties[0][1]
    legal = world.legal[case.id % len(world.legal)]
    statuses = [status for status, _moment in case.path]
    for status, moment in case.path:
        if status == S.FORMAL_NOTICE:
            pk = world.next_id("outcomes_formalnotice")
            if S.NOTICE_COMPLIED in statuses:
                outcome = "complied"
            elif any(s.startswith("sanction") for s in statuses):
                outcome = "not_complied"
            else:
                outcome = "running"
            reference = f"MED-{day(moment)[:4]}-{pk:06d}"
            streams["outcomes_formalnotice"].add(
                str(pk),
                reference,
                day(moment),
                "f",
                "30",
                outcome,
                "f",
                "",
                "\\N",
                stamp(moment),
                str(case.id),
                str(party),
                str(legal),
                "\\N",
            )
            sink.push(
                moment,
                legal,
                "formal_notice_issued",
                "outcomes.formalnotice",
                str(pk),
                case.id,
                f"Mise en demeure {reference} notifiée",
                {"party": party},
            )
            deadline(
                world,
                sink,
                case,
                "formal_notice_compliance",
                moment + DAY,
                amount=30,
                object_type="outcomes.formalnotice",
                object_id=str(pk),
                met_share=0.7,
            )
        elif status in (S.DECIDED_SANCTION, S.DECIDED_NO_SANCTION):
            pk = world.next_id("outcomes_sanctiondecision")
            no_sanction = status == S.DECIDED_NO_SANCTION
            fine = "\\N" if no_sanction else str(1_000 * (5 + int(rand() * 2_000)))
            procedure = "simplified" if S.SANCTION_SIMPLIFIED in statuses else "ordinary"
            reference = f"SAN-{day(moment)[:4]}-{pk:03d}"
            streams["outcomes_sanctiondecision"].add(
                str(pk),
                procedure,
                "restricted_committee",
                reference,
                day(moment),
                "t" if no_sanction else "f",
                fine,
                "f",
                "",
                "\\N",
                "t" if rand() < 0.5 else "f",
                "\\N",
                "",
                stamp(moment),
                str(case.id),
                str(party),
                str(legal),
                "\\N",
                "",
                "\\N",
            )
            sink.push(
                moment,
                legal,
                "sanction_decided",
                "outcomes.sanctiondecision",
                str(pk),
                case.id,
                f"Décision {reference} enregistrée",
                {"fine": fine if fine != "\\N" else None},
            )
    if case.origin == "breach_notification":
        pk = world.next_id("breaches_breachnotification")
        received = case.opened - 3600.0
        awareness = received - (24 + rand() * 96) * 3600.0
        subjects = 100 + int(rand() * 500_000)
        streams["breaches_breachnotification"].add(
            str(pk),
            "initial",
            stamp(received),
            "\\N",
            stamp(awareness),
            stamp(awareness - DAY),
            stamp(awareness),
            json.dumps(["confidentiality"]),
            json.dumps(["health", "contact"] if org <= 2 else ["contact"]),
            json.dumps(["insured"] if org <= 2 else ["customers"]),
            str(subjects),
            str(subjects * 3),
            f"dpo@organisme{org}.example.fr",
            "Risque d'hameçonnage ciblé",
            "Réinitialisation des accès",
            "Information des personnes",
            "f",
            "",
            stamp(case.opened),
            str(case.id),
            str(org),
            str(case.actors[0]),
        )
        sink.push(
            case.opened + 2.0,
            case.actors[0],
            "breach_notification_recorded",
            "breaches.breachnotification",
            str(pk),
            case.id,
            "Notification de violation enregistrée",
            {"phase": "initial"},
        )
