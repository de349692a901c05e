"""What the history-rows tests (tests/<app>/test_history_rows.py) share: the state they set up, the
count of every historical table, and the check.

Issue 10, history tables do not bloat: each writing service, run once, leaves exactly one version
(created, changed or deleted) of each object it changed, and none of the objects it did not. A
service that saves an object twice (``create()`` then ``save(update_fields=...)``), sets a tracked
many-to-many field after saving, or saves an object whose only change is a field kept out of its
history, writes versions that say nothing: the timeline shows them as changes and the tables grow
for nothing. Each scenario sets up the least state its service needs, then the service runs once
between two counts of every historical table; a failure names the service and the tables whose rows
differ from the objects it changed."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone
from simple_history.models import HistoricalChanges
from stdnum import luhn

from apps.cases import services as case_services
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.info_requests import services as request_services
from apps.outcomes import sanctions
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Obligation
from tests.outcomes.support import deliver, procedure_ready
from tests.support import PASSWORD, make_organisation, make_staff, valid_siren

PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _tracked() -> list:
    """Every historical model of an object (not the many-to-many snapshots, which follow their version)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and hasattr(model, "history_type") and hasattr(model, "tracked_fields")
    ]


def _rows() -> dict[str, tuple[int, int]]:
    """Per tracked model name: (rows, highest history_id)."""
    found = {}
    for model in _tracked():
        ids = list(model.objects.order_by("-history_id").values_list("history_id", flat=True)[:1])
        found[model.instance_type.__name__] = (model.objects.count(), ids[0] if ids else 0)
    return found


def _versions_per_object(before: dict[str, tuple[int, int]]) -> dict[str, Counter]:
    """The versions written since ``before``, counted per object."""
    written = {}
    for model in _tracked():
        name = model.instance_type.__name__
        objects = Counter(model.objects.filter(history_id__gt=before[name][1]).values_list("id", flat=True))
        if objects:
            written[name] = objects
    return written


class World:
    """The state scenarios share, built on first use through the real services."""

    def ready(self, *names: str) -> World:
        """Build these now, before the count (a scenario's call may name them)."""
        for name in names:
            getattr(self, name)
        return self

    @cached_property
    def agent(self):
        return make_staff("ines@cnil.test")

    @cached_property
    def manager(self):
        return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")

    @cached_property
    def colleague(self):
        return make_staff("paul@cnil.test", full_name="Paul Bernard")

    @cached_property
    def case(self):
        case = case_services.case_open(actor=self.agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")
        case_services.case_transition(actor=self.agent, case=case, to_status="investigating", reason="Décidé")
        return case

    @cached_property
    def organisation(self):
        return make_organisation("Mutuelle Démo", valid_siren(4))

    @cached_property
    def party(self):
        return case_services.party_add(
            actor=self.agent, case=self.case, organisation=self.organisation, role="controller", processing="tp"
        )

    @cached_property
    def finding(self):
        assessment = outcome_services.assessment_record(
            actor=self.agent,
            party=self.party,
            obligation=Obligation.objects.get(code="gdpr-32"),
            status="infringement",
            finding={"facts": "Pas de MFA"},
        )
        return assessment.finding

    @cached_property
    def proof(self):
        return self.evidence("Accusé de réception")

    def evidence(self, title: str, **extra):
        return evidence_services.evidence_register(
            actor=self.agent, case=self.case, upload=upload(title), title=title, source="public", **extra
        )

    def deadline(self, kind="breach_notification", **extra):
        return deadline_services.deadline_create(
            actor=self.agent,
            case=self.case,
            kind=kind,
            started_at=timezone.now() - timedelta(hours=1),
            start_event="Connaissance",
            **extra,
        )

    def notice(self, **publicity):
        return outcome_services.formal_notice_issue(
            actor=self.agent,
            party=self.party,
            findings=[self.finding],
            measures=[{"obligation": Obligation.objects.get(code="gdpr-32"), "description": "Mettre en place la MFA"}],
            decision_reference="MED-2025-001",
            decided_on=date(2025, 3, 1),
            period_days=30,
            **publicity,
        )

    def decision(self, **measures):
        procedure_ready(self.agent, self.party, self.proof)
        return sanctions.sanction_decide(
            actor=self.agent,
            party=self.party,
            deciding_body="restricted_committee",
            reference="SAN-2025-9",
            decided_on=date(2025, 4, 10),
            findings=[self.finding],
            **measures,
        )

    def delivered_decision(self, **measures):
        decision = self.decision(**measures)
        deliver(
            self.agent, "decision", decision, self.proof, sent_at=paris(2025, 4, 11), received_at=paris(2025, 4, 14)
        )
        return decision

    @cached_property
    def portal_access(self):
        access, _token = request_services.portal_invite(
            actor=self.agent, party=self.party, full_name="Delphine Po", email="dpo@demo.example", role="dpo"
        )
        return access

    @cached_property
    def dpo(self):
        _access, token = request_services.portal_invite(
            actor=self.agent, party=self.party, full_name="Delphine Po", email="dpo@demo.example", role="dpo"
        )
        return request_services.invitation_accept(token=token, password=PASSWORD)

    @cached_property
    def request(self):
        (request,) = request_services.request_create(
            actor=self.agent,
            case=self.case,
            parties=[self.party],
            subject="Sécurité du portail",
            letter="Madame, Monsieur…",
            questions=[
                {"text": "Décrivez l'authentification.", "expects": "text"},
                {"text": "Joignez l'analyse d'impact.", "expects": "documents"},
            ],
            period_days=15,
        )
        return request

    @cached_property
    def sent_request(self):
        self.dpo  # noqa: B018 (the organisation has its portal user before the request is sent)
        return request_services.request_send(actor=self.agent, request=self.request)

    def questions(self):
        return list(self.request.questions.order_by("position"))


def upload(name: str) -> ContentFile:
    return ContentFile(PDF + name.encode(), name=f"{name}.pdf")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def siret(siren: str, n: int = 1) -> str:
    body = f"{siren}{n:04d}"
    return body + luhn.calc_check_digit(body)


class Scenarios(dict):
    """Service name -> a function of the world that sets up the state and returns (the call, the
    versions expected per model). Parametrising a test over it names the service on failure."""

    def add(self, name: str):
        def register(build):
            self[name] = build
            return build

        return register


def check(service: str, build) -> None:
    call, expected = build(World().ready("agent"))
    before = _rows()
    call()
    after = _rows()
    written = {name: after[name][0] - before[name][0] for name in after if after[name][0] != before[name][0]}
    twice = {
        name: {pk: n for pk, n in objects.items() if n > 1}
        for name, objects in _versions_per_object(before).items()
        if any(n > 1 for n in objects.values())
    }
    assert not twice, f"{service} wrote several versions of one object (model: {{id: versions}}): {twice}"
    assert written == expected, f"{service} wrote versions {written}, expected one per object changed: {expected}"
