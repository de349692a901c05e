"""The procedure as one transition table (DOMAIN.md: control procedure, who decides, outcomes).

Each row: from → to, whether only a later capability's service may take it (issuing a formal
notice, deciding on a sanction), and which bodies may decide it (empty: no decision needed).
``case_transition`` is the only code that changes a case's status and it reads this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import CaseStatus as S
from .choices import DecidingBody as B


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    service_only: bool = False
    bodies: tuple[str, ...] = ()

    @property
    def needs_decision(self) -> bool:
        return bool(self.bodies)


PRESIDENT = (B.PRESIDENT,)
COMMITTEE = (B.RESTRICTED_COMMITTEE, B.RESTRICTED_COMMITTEE_PRESIDENT)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.OPENED, S.INVESTIGATING),
    Transition(S.OPENED, S.CLOSED, bodies=PRESIDENT),  # closed without follow-up
    # Closure (no breach, or breach remedied), reminder, warning: the President decides.
    Transition(S.INVESTIGATING, S.CLOSED, bodies=PRESIDENT),
    Transition(S.INVESTIGATING, S.REMINDER, bodies=PRESIDENT),
    Transition(S.INVESTIGATING, S.WARNING, bodies=PRESIDENT),
    # A formal notice carries facts, measures and a deadline: issued by the outcomes service.
    Transition(S.INVESTIGATING, S.FORMAL_NOTICE, service_only=True, bodies=PRESIDENT),
    # A sanction does not require a prior formal notice: the President appoints a rapporteur
    # (the outcomes service records the procedure with its rapporteur).
    Transition(S.INVESTIGATING, S.SANCTION_ORDINARY, service_only=True, bodies=PRESIDENT),
    Transition(S.INVESTIGATING, S.SANCTION_SIMPLIFIED, service_only=True, bodies=PRESIDENT),
    Transition(S.INVESTIGATING, S.SANCTION_URGENCY, service_only=True, bodies=PRESIDENT),
    Transition(S.REMINDER, S.CLOSED),
    Transition(S.WARNING, S.CLOSED),
    # Compliance is checked at the deadline: closed, or escalated to a sanction.
    Transition(S.FORMAL_NOTICE, S.NOTICE_COMPLIED, service_only=True),
    Transition(S.FORMAL_NOTICE, S.SANCTION_ORDINARY, service_only=True, bodies=PRESIDENT),
    Transition(S.FORMAL_NOTICE, S.SANCTION_SIMPLIFIED, service_only=True, bodies=PRESIDENT),
    Transition(S.FORMAL_NOTICE, S.SANCTION_URGENCY, service_only=True, bodies=PRESIDENT),
    Transition(S.NOTICE_COMPLIED, S.CLOSED, bodies=PRESIDENT),
    # The simplified procedure can be switched to the ordinary one at any time.
    Transition(
        S.SANCTION_SIMPLIFIED, S.SANCTION_ORDINARY, service_only=True, bodies=(B.RESTRICTED_COMMITTEE_PRESIDENT,)
    ),
    # Decisions on a sanction are recorded by the outcomes service (fine, injunction...).
    *(
        Transition(source, target, service_only=True, bodies=COMMITTEE)
        for source in (S.SANCTION_ORDINARY, S.SANCTION_SIMPLIFIED, S.SANCTION_URGENCY)
        for target in (S.DECIDED_SANCTION, S.DECIDED_NO_SANCTION)
    ),
    # An appeal and its ruling are recorded by the outcomes service.
    Transition(S.DECIDED_SANCTION, S.APPEAL, service_only=True),
    Transition(S.DECIDED_NO_SANCTION, S.APPEAL, service_only=True),
    Transition(S.DECIDED_SANCTION, S.CLOSED),
    Transition(S.DECIDED_NO_SANCTION, S.CLOSED),
    Transition(S.APPEAL, S.CLOSED, service_only=True, bodies=(B.CONSEIL_ETAT,)),
    # Reopening a closed case (new facts) is the President's decision.
    Transition(S.CLOSED, S.INVESTIGATING, bodies=PRESIDENT),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def transition_for(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((source, target))


def allowed_from(source: str, *, include_service_only: bool = True) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and (include_service_only or not t.service_only)]
