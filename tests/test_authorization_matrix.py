"""Every URL pattern, requested as anonymous and as each role, answers what it declares.

A staff page built on ``RoleRequiredMixin`` declares itself through ``allowed_roles``: 200 for
those roles, 404 for the others, a login redirect for anonymous visitors. Other patterns are
declared in ``DECLARED`` below. A new pattern with neither makes this test fail, so every page
joins the matrix when it is added.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.breaches import services as breach_services
from apps.breaches.pseudonymise import ReportEncoder
from apps.breaches.uploads import PseudonymisedReport
from apps.cases import services as case_services
from apps.controls import services as control_services
from apps.dashboards import report_jobs
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.info_requests import services as info_request_services
from apps.organisations import services as organisation_services
from apps.outcomes import appeals, sanctions
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Obligation
from tests.outcomes.support import procedure_ready
from tests.support import log_in_verified, make_staff

ACTORS = ("anonymous", "no_role", *Role.values)
LOGIN = "login"  # expectation: 302 to the login page
PORTAL_LOGIN = "portal_login"  # expectation: 302 to the organisation portal's login page
ANY = "any"  # expectation: any answer but a server error (admin pages on objects that may not exist)


@dataclass(frozen=True)
class Expect:
    anonymous: int | str
    default: int | str  # for every logged-in, verified staff actor not listed in ``per_role``
    per_role: dict[str, int | str] = field(default_factory=dict)
    method: str = "get"

    def for_actor(self, actor: str) -> int | str:
        if actor == "anonymous":
            return self.anonymous
        return self.per_role.get(actor, self.default)


ADMIN_ONLY = Expect(anonymous=LOGIN, default=404, per_role={Role.ADMINISTRATOR: 200})
ADMIN_ON_OBJECT = Expect(anonymous=LOGIN, default=404, per_role={Role.ADMINISTRATOR: ANY})

# Portal pages: anonymous visitors and staff alike are sent to the portal's login page (portal users,
# of this organisation and of another, are checked by tests/portal/test_isolation.py).
PORTAL_PAGE = Expect(anonymous=PORTAL_LOGIN, default=PORTAL_LOGIN)

TEAM_ONLY = Expect(anonymous=LOGIN, default=404, per_role={Role.INVESTIGATOR: 200, Role.MANAGER: 200})
CASE_READERS = Expect(
    anonymous=LOGIN, default=404, per_role={Role.INVESTIGATOR: 200, Role.MANAGER: 200, Role.LEGAL: 200}
)
# POST-only pages answer 405 to a GET from any role that may reach the page, whatever the object.
CASE_POST_ONLY = Expect(
    anonymous=LOGIN, default=404, per_role={Role.INVESTIGATOR: 405, Role.MANAGER: 405, Role.LEGAL: 405}
)

# Pages on an object: requested on the sample objects below (a normal case whose team is the
# investigator; the legal officer and the others are not on it).
DECLARED: dict[str, Expect] = {
    "cases:detail": CASE_READERS,
    "cases:tab": CASE_READERS,
    "cases:edit": TEAM_ONLY,
    "cases:party_add": TEAM_ONLY,
    "cases:transition": TEAM_ONLY,
    "cases:party_remove": CASE_POST_ONLY,
    "cases:fan_out": CASE_POST_ONLY,
    "cases:assign": Expect(anonymous=LOGIN, default=404, per_role={Role.MANAGER: 200}),
    "evidence:upload": TEAM_ONLY,
    "evidence:detail": CASE_READERS,
    "evidence:download": CASE_READERS,
    "evidence:transfer": TEAM_ONLY,
    "evidence:edit": TEAM_ONLY,
    "evidence:alerts": Expect(anonymous=LOGIN, default=404, per_role={Role.MANAGER: 200}),
    "dashboards:integrity": Expect(anonymous=LOGIN, default=404, per_role={Role.MANAGER: 200}),
    # The managers' dashboard's incident view (on the sample case) and its reference form (400 without one).
    "dashboards:incident": Expect(anonymous=LOGIN, default=404, per_role={Role.MANAGER: 200}),
    "dashboards:incident_find": Expect(anonymous=LOGIN, default=404, per_role={Role.MANAGER: 400}),
    "dashboards:search": CASE_READERS,
    # CSV exports: what the user may see (a case not theirs is a 404); the case-file report: the team asks
    # (POST), readers follow it.
    "dashboards:export_cases": CASE_READERS,
    "dashboards:export_my_deadlines": CASE_READERS,
    "dashboards:export_case_deadlines": CASE_READERS,
    "dashboards:export_evidence": CASE_READERS,
    "dashboards:report_generate": CASE_POST_ONLY,
    "dashboards:report_job": CASE_READERS,
    "breaches:notification_create": TEAM_ONLY,
    "deadlines:create": TEAM_ONLY,
    "deadlines:extend": TEAM_ONLY,
    "breaches:no_notification": TEAM_ONLY,
    "outcomes:assessment": TEAM_ONLY,
    "outcomes:notice_create": TEAM_ONLY,
    "outcomes:notice": CASE_READERS,
    "outcomes:turnover": TEAM_ONLY,
    "outcomes:decision_create": TEAM_ONLY,
    "outcomes:decision": CASE_READERS,
    "outcomes:procedure_create": TEAM_ONLY,
    "outcomes:procedure": CASE_READERS,
    "outcomes:report": CASE_READERS,
    "outcomes:hearing": CASE_READERS,
    "outcomes:liquidation": CASE_READERS,
    "outcomes:document_generate": CASE_POST_ONLY,
    "info_requests:detail": CASE_READERS,
    "info_requests:create": TEAM_ONLY,
    "info_requests:invite": TEAM_ONLY,
    "info_requests:access_revoke": CASE_POST_ONLY,
    "info_requests:receipt_pdf": CASE_READERS,
    "breaches:campaign_edit": TEAM_ONLY,
    "breaches:campaign_import": TEAM_ONLY,
    "breaches:campaign_import_detail": CASE_READERS,
    # The calendar feed: no session; an unknown (or revoked) token is a 404 for everyone.
    "deadlines:calendar_ics": Expect(anonymous=404, default=404),
    "controls:create": TEAM_ONLY,
    "controls:edit": TEAM_ONLY,
    "organisations:detail": CASE_READERS,
    "organisations:edit": TEAM_ONLY,
    "organisations:establishment_add": TEAM_ONLY,
    # Anyone logged in reads their own notifications; marking read is POST-only.
    "notifications:list": Expect(anonymous=LOGIN, default=200),
    "notifications:mark_read": Expect(anonymous=LOGIN, default=405),
    "notifications:mark_all_read": Expect(anonymous=LOGIN, default=405),
    "core:healthz": Expect(anonymous=200, default=200),
    "accounts:login": Expect(anonymous=200, default=302),
    "accounts:logout": Expect(anonymous=405, default=405),
    "accounts:otp_verify": Expect(anonymous=LOGIN, default=302),
    "accounts:otp_setup": Expect(anonymous=LOGIN, default=302),
    # Account pages every verified account uses, staff and organisation users alike.
    "accounts:recovery_codes": Expect(anonymous=LOGIN, default=200),
    "accounts:password_change": Expect(anonymous=LOGIN, default=200),
    # The organisation portal: staff are sent to its login page like anonymous visitors.
    "portal:login": Expect(anonymous=200, default=200),
    "portal:logout": Expect(anonymous=405, default=405),
    "portal:home": PORTAL_PAGE,
    "portal:request": PORTAL_PAGE,
    "portal:answers": PORTAL_PAGE,
    "portal:file_upload": PORTAL_PAGE,
    "portal:file_remove": PORTAL_PAGE,
    "portal:message_post": PORTAL_PAGE,
    "portal:receipt": PORTAL_PAGE,
    "portal:receipt_pdf": PORTAL_PAGE,
    # An invitation link: an unknown token gets the same "not valid" page (410) whoever asks.
    "portal:invitation": Expect(anonymous=410, default=410),
    "set_language": Expect(anonymous=302, default=302),
}


def _declared_for_admin(name: str, route: str) -> Expect:
    if name in {"admin:login"}:
        return Expect(anonymous=302, default=302)
    if name == "admin:autocomplete":  # Django answers 403 to a request without its parameters
        return Expect(anonymous=LOGIN, default=404, per_role={Role.ADMINISTRATOR: 403})
    if name == "admin:password_change":  # redirects to the application's own page
        return Expect(anonymous=LOGIN, default=404, per_role={Role.ADMINISTRATOR: 302})
    if name == "admin:logout":
        return Expect(anonymous=LOGIN, default=404, per_role={Role.ADMINISTRATOR: 405})
    if "<" in route or "(?P" in route or name.endswith("_add"):
        # On an object that may not exist, or adding to a read-only model (403): not 200 for others.
        return ADMIN_ON_OBJECT
    return ADMIN_ONLY


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry, route, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else None, route, entry.callback


def _expectation(name, route, callback) -> Expect | None:
    if route.startswith("admin/"):
        return _declared_for_admin(name or "", route)
    if name in DECLARED:
        return DECLARED[name]
    view_class = getattr(callback, "view_class", None)
    if "<" in route:
        return None  # a page on an object must be declared in DECLARED, with its sample object
    if view_class is not None and issubclass(view_class, RoleRequiredMixin):
        allowed = view_class.allowed_roles
        if allowed is None:
            return Expect(anonymous=LOGIN, default=200)
        return Expect(anonymous=LOGIN, default=404, per_role=dict.fromkeys(allowed, 200))
    return None


def _object_path(name: str, samples: dict) -> str | None:
    """The URL of a named page on the sample objects, if it takes object arguments."""
    namespace = name.split(":")[0] if name and ":" in name else ""
    kwargs = samples.get(namespace)
    if kwargs is None:
        return None
    keys = [key for key, value in kwargs.items() if value is not None]
    for size in range(len(keys), 0, -1):  # the largest set of sample arguments the pattern takes
        for chosen in itertools.combinations(keys, size):
            try:
                return reverse(name, kwargs={key: kwargs[key] for key in chosen})
            except NoReverseMatch:
                continue
    return None


def _sample_path(route: str) -> str:
    """A concrete path for a route: converters get a sample value, regex groups a plain one."""
    path = re.sub(r"<(?:int:)?[a-z_]*(?:pk|id)>", "999999", route)
    path = re.sub(r"<path:[a-z_]+>", "999999", path)
    path = re.sub(r"<[a-z]+:[a-z_]+>|<[a-z_]+>", "sample", path)
    path = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", "sample", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


def all_patterns():
    return list(_walk(get_resolver()))


def test_every_url_pattern_declares_its_expectation():
    undeclared = [(name, route) for name, route, cb in all_patterns() if _expectation(name, route, cb) is None]
    assert not undeclared, f"URL patterns without a declared expectation: {undeclared}"


@pytest.fixture
def actor_clients(db):
    clients = {"anonymous": Client()}
    users = {}
    for actor in ACTORS[1:]:
        roles = () if actor == "no_role" else (actor,)
        users[actor] = make_staff(f"{actor}@cnil.test", roles=roles, full_name=actor.title())
        c = Client()
        log_in_verified(c, users[actor])
        clients[actor] = c
    return clients, users


@pytest.fixture
def samples(actor_clients):
    _clients, users = actor_clients
    investigator = users[Role.INVESTIGATOR]
    organisation = organisation_services.organisation_create(
        actor=investigator, legal_name="Mutuelle Exemple", country="FR", siren="732829320"
    )
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Sample")
    party = case_services.party_add(
        actor=investigator, case=case, organisation=organisation, role="controller", processing="claims"
    )
    control = control_services.control_record(
        actor=investigator, case=case, kind="documentary", decision_reference="2026-001"
    )
    deadline = deadline_services.deadline_create(
        actor=investigator, case=case, kind="rapporteur_reply", started_at=timezone.now(), start_event="x"
    )
    evidence = evidence_services.evidence_register(
        actor=investigator, case=case, upload=ContentFile(b"%PDF-1.4 sample", name="s.pdf"), title="S", source="public"
    )
    case_services.case_transition(actor=investigator, case=case, to_status="investigating", reason="Contrôle")
    security = Obligation.objects.get(code="gdpr-32")
    assessment = outcome_services.assessment_record(
        actor=investigator, party=party, obligation=security, status="infringement", finding={"facts": "Pas de MFA"}
    )
    notice = outcome_services.formal_notice_issue(
        actor=investigator,
        party=party,
        findings=[assessment.finding],
        measures=[{"obligation": security, "description": "MFA"}],
        decision_reference="MED-1",
        decided_on=timezone.localdate(),
        period_days=10,
    )
    procedure = procedure_ready(investigator, party, evidence)
    decision = sanctions.sanction_decide(
        actor=investigator,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-1",
        decided_on=timezone.localdate(),
        injunction="Déployer la MFA",
        penalty_per_day=Decimal("100"),
    )
    liquidation = appeals.liquidation_open(actor=investigator, decision=decision, reference="LIQ-1", days_late=3)
    campaign = breach_services.campaign_record(
        actor=investigator, case=case, controller=organisation, decision="required"
    )
    encoder = ReportEncoder(io.BytesIO(), nir=False)
    encoder.feed(b"identifier,channel,status,date\nA-1,letter,sent,2024-03-01\n")
    report = PseudonymisedReport(
        encoder.out, name="r.csv", size=1, sha256=encoder.sha256.hexdigest(), result=encoder.close()
    )
    imported = breach_services.campaign_import_start(actor=investigator, campaign=campaign, report=report, mode="all")
    (info_request,) = info_request_services.request_create(
        actor=investigator,
        case=case,
        parties=[party],
        subject="Sécurité",
        letter="Madame, Monsieur",
        questions=[{"text": "Quelle authentification ?", "expects": "both"}],
        period_days=15,
    )
    access, token = info_request_services.portal_invite(
        actor=investigator, party=party, full_name="DPO Exemple", email="dpo@exemple.example", role="dpo"
    )
    dpo = info_request_services.invitation_accept(token=token, password="correct horse battery staple 42")
    info_request_services.request_send(actor=investigator, request=info_request)
    info_request_services.draft_save(
        actor=dpo, request=info_request, answers={info_request.questions.get().pk: "MFA depuis mars"}
    )
    submission = info_request_services.submission_submit(actor=dpo, request=info_request)
    return {
        "cases": {"pk": case.pk, "party_pk": party.pk, "tab": "parties"},
        "controls": {"pk": case.pk, "control_pk": control.pk},
        "evidence": {"pk": case.pk, "evidence_pk": evidence.pk},
        "breaches": {
            "pk": case.pk,
            "controller_pk": organisation.pk,
            "campaign_pk": campaign.pk,
            "import_pk": imported.pk,
        },
        "deadlines": {"pk": case.pk, "deadline_pk": deadline.pk},
        "outcomes": {
            "pk": case.pk,
            "party_pk": party.pk,
            "obligation_pk": security.pk,
            "notice_pk": notice.pk,
            "decision_pk": decision.pk,
            "procedure_pk": procedure.pk,
            "report_pk": procedure.reports.get().pk,
            "hearing_pk": procedure.hearings.get().pk,
            "liquidation_pk": liquidation.pk,
            "kind": "formal_notice",
            "object_pk": notice.pk,
        },
        "dashboards": {"pk": case.pk, "job_pk": report_jobs.report_request(actor=investigator, case=case).pk},
        "organisations": {"pk": organisation.pk},
        "info_requests": {
            "pk": case.pk,
            "request_pk": info_request.pk,
            "submission_pk": submission.pk,
            "access_pk": access.pk,
        },
    }


def test_matrix(actor_clients, samples):
    clients, _users = actor_clients
    failures = []
    checked = 0
    for name, route, callback in all_patterns():
        expect = _expectation(name, route, callback)
        path = (_object_path(name, samples) if name in DECLARED else None) or _sample_path(route)
        for actor, c in clients.items():
            response = getattr(c, expect.method)(path)
            wanted = expect.for_actor(actor)
            checked += 1
            if wanted == LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            elif wanted == PORTAL_LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith("/portal/login/")
            elif wanted == ANY:
                ok = response.status_code < 500 and not (actor != Role.ADMINISTRATOR and response.status_code == 200)
            else:
                ok = response.status_code == wanted
            if not ok:
                failures.append(f"{name or route} [{path}] as {actor}: got {response.status_code}, wanted {wanted}")
    assert checked > 20
    assert not failures, "\n".join(failures)
