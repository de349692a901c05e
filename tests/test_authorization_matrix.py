"""Every URL pattern, requested as anonymous and as each role, answers what it declares.

A staff page built on ``RoleRequiredMixin`` declares itself through ``allowed_roles``: 200 for
those roles, 404 for the others, a login redirect for anonymous visitors. Other patterns are
declared in ``DECLARED`` below. A new pattern with neither makes this test fail, so every page
joins the matrix when it is added.

The second half (``test_hostile_actors_get_the_same_refusal_for_every_object_id``) takes every
pattern with an object id and requests it with the ids of a restricted case's objects as the actors
who must get nothing: anonymous, an investigator not on the case's team, the person acting for
another organisation on the portal, deactivated accounts whose sessions outlived the deactivation, and
accounts past their password but not their second factor. Each answer must be a refusal (login or
second-factor redirect, 404), the same page as for ids that do not exist, with nothing written and no
text of the case shown. A new URL argument must say which object kind it takes (``ARGUMENT_KINDS``).
"""

from __future__ import annotations

import io
import itertools
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

import pytest
from axes.models import AccessFailureLog
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_totp.models import TOTPDevice
from dsfr.models import DsfrConfig

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.audit import services as audit_services
from apps.audit.verify import verify_chain
from apps.breaches import services as breach_services
from apps.breaches.pseudonymise import ReportEncoder
from apps.breaches.uploads import PseudonymisedReport
from apps.cases import services as case_services
from apps.controls import services as control_services
from apps.dashboards import report_jobs
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.info_requests import services as info_request_services
from apps.notifications import services as notification_services
from apps.organisations import services as organisation_services
from apps.outcomes import appeals, sanctions
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Obligation
from tests.accounts.passkey_support import log_in_with_passkey
from tests.outcomes.support import procedure_ready
from tests.support import PASSWORD, comparable_page, log_in_verified, make_staff

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
    # Passkeys: the page is any staff member's (RoleRequiredMixin); removal is POST only; the WebAuthn
    # ceremonies (JSON, POST only) answer 403 to anonymous visitors.
    "accounts:passkey_remove": Expect(anonymous=LOGIN, default=405),
    "accounts:passkey_add_begin": Expect(anonymous=403, default=405),
    "accounts:passkey_add_complete": Expect(anonymous=403, default=405),
    "accounts:passkey_verify_begin": Expect(anonymous=403, default=405),
    "accounts:passkey_verify_complete": Expect(anonymous=403, default=405),
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
        # The admin needs a session verified with a passkey (apps/accounts/admin_site.py).
        (log_in_with_passkey if actor == Role.ADMINISTRATOR else log_in_verified)(c, users[actor])
        clients[actor] = c
    return clients, users


@pytest.fixture
def samples(actor_clients):
    _clients, users = actor_clients
    return build_case_objects(users[Role.INVESTIGATOR])["kwargs"]


def build_case_objects(
    investigator,
    *,
    title: str = "Sample",
    marker: str = "",
    confidentiality: str = "normal",
    legal_name: str = "Mutuelle Exemple",
    siren: str = "732829320",
    dpo_email: str = "dpo@exemple.example",
) -> dict:
    """One object of every kind a URL takes, on a case opened by ``investigator`` (its team).

    Returns the URL arguments by namespace (``kwargs``) and the objects themselves. ``marker`` is put
    in the texts the pages show (evidence title, request subject, answer), to be looked for in pages.
    """
    organisation = organisation_services.organisation_create(
        actor=investigator, legal_name=legal_name, country="FR", siren=siren
    )
    case = case_services.case_open(
        actor=investigator,
        origin="ex_officio",
        legal_regime="gdpr",
        title=title,
        confidentiality=confidentiality,
    )
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
        actor=investigator,
        case=case,
        upload=ContentFile(b"%PDF-1.4 sample", name="s.pdf"),
        title=f"S{marker}",
        source="public",
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
        subject=f"Sécurité{marker}",
        letter="Madame, Monsieur",
        questions=[{"text": "Quelle authentification ?", "expects": "both"}],
        period_days=15,
    )
    access, token = info_request_services.portal_invite(
        actor=investigator, party=party, full_name="DPO Exemple", email=dpo_email, role="dpo"
    )
    dpo = info_request_services.invitation_accept(token=token, password="correct horse battery staple 42")
    info_request_services.request_send(actor=investigator, request=info_request)
    info_request_services.draft_save(
        actor=dpo, request=info_request, answers={info_request.questions.get().pk: f"MFA depuis mars{marker}"}
    )
    submission = info_request_services.submission_submit(actor=dpo, request=info_request)
    job = report_jobs.report_request(actor=investigator, case=case)
    kwargs = {
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
        "dashboards": {"pk": case.pk, "job_pk": job.pk},
        "organisations": {"pk": organisation.pk},
        "info_requests": {
            "pk": case.pk,
            "request_pk": info_request.pk,
            "submission_pk": submission.pk,
            "access_pk": access.pk,
        },
    }
    objects = {
        "case": case,
        "organisation": organisation,
        "party": party,
        "control": control,
        "deadline": deadline,
        "evidence": evidence,
        "obligation": security,
        "notice": notice,
        "procedure": procedure,
        "decision": decision,
        "liquidation": liquidation,
        "campaign": campaign,
        "import": imported,
        "info_request": info_request,
        "access": access,
        "invitation_token": token,
        "dpo": dpo,
        "submission": submission,
        "job": job,
    }
    return {"kwargs": kwargs, "objects": objects}


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


# --- Hostile actors on every object id of every pattern -------------------------------------------
# Every pattern that takes an object id is requested with the ids of objects that exist but are not
# the actor's, with each id in turn replaced by one that does not exist, with all of them missing, and
# (where the actor has an object of its own of the parent kind) with the actor's own parent and the
# other's children. Every answer must be the login redirect family or a 404 (410 for an invitation
# link, 405 for a method the page does not take, the same whatever the ids), and all the answers of one
# pattern, method and actor must be the same page: "exists but not yours" looks like "does not exist".
# GET everywhere, POST with an empty body wherever the page takes a POST; nothing may be written.

MISSING_ID = 987654321
MISSING = {
    "invitation_token": "n0t-a-real-invitation-token-n0t-a-real-invitation",
    "calendar_token": "n0t-a-real-calendar-token-n0t-a-real-calendar-tok",
    "receipt": "AR-2099-999999",
}
CANARY = "Zx7Canari"  # in the restricted case's title and texts: no hostile page may show it
SEARCHED = "restreinte"  # a word of the restricted case's title, searched by every actor
# In organisation A's name: the register is every investigator's, but no other actor may see it.
ORGANISATION_CANARY = "Qv9Alpha"
# Where each actor may be sent instead of a page: the staff login, the portal login, the second factor.
LOGIN_FAMILY = ("/accounts/login/", "/portal/login/", "/accounts/2fa/verify/", "/accounts/2fa/setup/")
FIXED_ARGUMENTS = {"tab": "parties", "kind": "formal_notice"}  # not object ids: a page's name
# Kinds every investigator reads by design (the organisation register, the obligation catalogue): the
# outsider investigator legitimately sees them, so for these alone "exists" and "missing" differ.
STAFF_REGISTERS = frozenset({"organisation", "obligation", "content_type"})
# Where the object kinds of a URL argument are not told by its name.
ARGUMENT_KINDS = {
    "party_pk": "party",
    "control_pk": "control",
    "evidence_pk": "evidence",
    "controller_pk": "organisation",
    "campaign_pk": "campaign",
    "import_pk": "import",
    "obligation_pk": "obligation",
    "notice_pk": "notice",
    "decision_pk": "decision",
    "procedure_pk": "procedure",
    "report_pk": "report",
    "hearing_pk": "hearing",
    "liquidation_pk": "liquidation",
    "object_pk": "notice",
    "request_pk": "info_request",
    "submission_pk": "submission",
    "access_pk": "access",
    "deadline_pk": "deadline",
    "job_pk": "job",
    "question_pk": "question",
    "number": "receipt",
    "content_type_id": "content_type",
}
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def _argument_kind(name: str | None, route: str, argument: str) -> str:
    namespace = (name or "").split(":")[0]
    if argument == "pk":
        if route.startswith("portal/"):
            return "portal_file" if route.startswith("portal/files/") else "portal_request"
        return {"organisations": "organisation", "notifications": "notification"}.get(namespace, "case")
    if argument == "token":
        return "invitation_token" if route.startswith("portal/") else "calendar_token"
    if argument == "object_id":
        return "case" if route.startswith("admin/r/") else "admin:" + "/".join(route.split("/")[1:3])
    return ARGUMENT_KINDS[argument]


def _methods(callback) -> list[str]:
    """GET always (a POST-only page must refuse it like the others), POST where the page takes one."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None:  # the admin's function views take both
        return ["get", "post"]
    takes_post = "post" in view_class.http_method_names and hasattr(view_class, "post")
    return ["get", "post"] if takes_post else ["get"]


def object_patterns():
    """(name, route, callback, {argument: kind}) of every pattern that takes an object id."""
    found = []
    for name, route, callback in all_patterns():
        if "(?P" in route:  # the admin's app index and catch-all: a name, not an object id
            continue
        arguments = {a: _argument_kind(name, route, a) for _c, a in ARGUMENT.findall(route) if a not in FIXED_ARGUMENTS}
        if arguments:
            found.append((name, route, callback, arguments))
    return found


def _path(route: str, values: dict) -> str:
    return "/" + ARGUMENT.sub(lambda m: str(FIXED_ARGUMENTS.get(m.group(2), values.get(m.group(2)))), route)


def _variants(arguments: dict, real: dict, own: dict) -> list[tuple[str, dict]]:
    """The argument values to try: the other's ids, each one missing in turn, all missing, and the
    actor's own parent with the other's children. Ids with no existing object are tried missing only."""
    missing = {a: MISSING.get(kind, MISSING_ID) for a, kind in arguments.items()}
    present = {a: real[kind] for a, kind in arguments.items() if real.get(kind) is not None}
    variants = [("all missing", missing)]
    if present:
        variants.append(("not theirs", {**missing, **present}))
    if len(present) > 1:
        variants += [(f"{a} missing", {**missing, **present, a: missing[a]}) for a in present]
    parent = next(iter(arguments))
    if len(arguments) > 1 and own.get(arguments[parent]) is not None:
        variants.append(("own parent", {**missing, **present, parent: own[arguments[parent]]}))
        variants.append(("own parent, missing child", {**missing, parent: own[arguments[parent]]}))
    return variants


def _normalised(response, path: str) -> tuple:
    """Status, redirect and body with this request's own path and one-time tokens taken out."""

    def scrub(text: str) -> str:
        for form in (quote(path, safe=""), quote(path), path):
            text = text.replace(form, "PATH")
        return comparable_page(text)

    body = b"" if getattr(response, "streaming", False) else response.content
    return response.status_code, scrub(response.get("Location", "")), scrub(body.decode(errors="replace"))


def _refused(status: int, location: str) -> bool:
    if status == 302:
        return location.startswith(LOGIN_FAMILY)
    return status in (404, 405, 410)


def _table_digest() -> dict[str, int]:
    """Every model's rows, hashed: a write of any kind (insert, update, delete) changes it."""
    digests = {}
    for model in django_apps.get_models():
        if model._meta.db_table in ("django_session",):  # the test clients' own sessions
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digests[model._meta.label] = hash(tuple(map(repr, rows)))
    return digests


@pytest.fixture
def hostile_world(db):
    """A restricted case of investigator ``team`` with one object of every kind, an organisation (A)
    party to it with its person on the portal, and the hostile actors around it."""
    team = make_staff("equipe@cnil.test", roles=(Role.INVESTIGATOR,), full_name="Équipe Restreinte")
    outsider = make_staff("dehors@cnil.test", roles=(Role.INVESTIGATOR,), full_name="Enquêteur Dehors")
    former = make_staff("ancien@cnil.test", roles=(Role.INVESTIGATOR,), full_name="Ancien Membre")
    built = build_case_objects(
        team,
        title=f"Affaire restreinte {CANARY}",
        marker=f" {CANARY}",
        confidentiality="restricted",
        legal_name=f"Mutuelle {ORGANISATION_CANARY}",
        dpo_email="dpo@mutuelle-a.example",
    )
    objects = built["objects"]
    restricted, party = objects["case"], objects["party"]
    case_services.case_assign(actor=team, case=restricted, lead=team, team=[team, former])
    dpo = objects["dpo"]
    TOTPDevice.objects.create(user=dpo, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    question = objects["info_request"].questions.get()
    draft_file = info_request_services.draft_file_add(
        actor=dpo,
        request=objects["info_request"],
        question=question,
        upload=ContentFile(b"%PDF-1.4\n%%EOF\n", "plan.pdf"),
    )
    _access, counsel_token = info_request_services.portal_invite(
        actor=team, party=party, full_name="Conseil Ancien", email="conseil@mutuelle-a.example", role="counsel"
    )
    counsel = info_request_services.invitation_accept(token=counsel_token, password=PASSWORD)
    TOTPDevice.objects.create(user=counsel, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    old_calendar_token = deadline_services.calendar_feed_renew(actor=team)
    deadline_services.calendar_feed_renew(actor=team)  # the first link stops working
    (notification,) = notification_services.notify(recipients=[team], title=CANARY, body=CANARY)

    # The outsider's own case, and organisation B on it with its person on the portal and a request.
    own_case = case_services.case_open(actor=outsider, origin="ex_officio", legal_regime="gdpr", title="Ouverte")
    case_services.case_transition(actor=outsider, case=own_case, to_status="investigating", reason="Contrôle")
    other = organisation_services.organisation_create(
        actor=outsider, legal_name="Assurance B", country="FR", siren="552100554"
    )
    other_party = case_services.party_add(
        actor=outsider, case=own_case, organisation=other, role="controller", processing="claims"
    )
    _access, other_token = info_request_services.portal_invite(
        actor=outsider, party=other_party, full_name="DPO B", email="dpo@assurance-b.example", role="dpo"
    )
    other_dpo = info_request_services.invitation_accept(token=other_token, password=PASSWORD)
    TOTPDevice.objects.create(user=other_dpo, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    (other_request,) = info_request_services.request_create(
        actor=outsider,
        case=own_case,
        parties=[other_party],
        subject="Questions à B",
        letter="Madame, Monsieur",
        questions=[{"text": "Quelle authentification ?", "expects": "both"}],
        period_days=15,
    )
    info_request_services.request_send(actor=outsider, request=other_request)

    # Deactivated accounts whose sessions outlived the deactivation, and accounts past their password only.
    account_services.user_deactivate(actor=None, user=former)
    account_services.user_deactivate(actor=None, user=counsel)
    clients = {"anonymous": Client()}
    for actor, user in (("outsider", outsider), ("portal_b", other_dpo), ("deactivated", former)):
        clients[actor] = Client()
        log_in_verified(clients[actor], user)
    clients["deactivated_portal"] = Client()
    clients["deactivated_portal"].force_login(counsel)
    for actor, user in (("unverified", team), ("unverified_portal", dpo)):
        clients[actor] = Client()
        clients[actor].force_login(user)
    owners = {"staff": Client(), "portal": Client(), "manager": Client()}
    log_in_verified(owners["staff"], team)
    log_in_verified(owners["portal"], dpo)
    log_in_verified(owners["manager"], make_staff("cheffe@cnil.test", roles=(Role.MANAGER,), full_name="Cheffe"))

    real = {
        **{kind: obj.pk for kind, obj in objects.items() if hasattr(obj, "pk")},
        "report": objects["procedure"].reports.get().pk,
        "hearing": objects["procedure"].hearings.get().pk,
        "question": question.pk,
        "portal_request": objects["info_request"].pk,
        "portal_file": draft_file.pk,
        "receipt": objects["submission"].receipt_number,
        "notification": notification.pk,
        "invitation_token": objects["invitation_token"],  # used: no longer opens the invitation
        "calendar_token": old_calendar_token,  # replaced: no longer opens the calendar
        "content_type": ContentType.objects.get_for_model(restricted).pk,
    }
    _admin_rows(outsider, objects["organisation"], other)
    for model in django_apps.get_models():  # the admin's object pages: an existing row of each model
        first = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
        real[f"admin:{model._meta.app_label}/{model._meta.model_name}"] = first
    # What the actor owns of a parent kind: the outsider's case, organisation B's request.
    own = {"outsider": {"case": own_case.pk}, "portal_b": {"portal_request": other_request.pk}}
    return {"clients": clients, "owners": owners, "real": real, "own": own}


def _admin_rows(actor, organisation, other) -> None:
    """A row in each model the admin shows that the case's objects leave empty, so that every admin
    object page is tried with an id that exists: a relationship, a chain verification, the lockout's
    records of a failed login (axes keeps no failure log by default), Celery beat's schedules and
    DSFR's configuration (reference data)."""
    organisation_services.relationship_record(
        actor=actor, kind="processing", client=organisation, provider=other, processing="claims"
    )
    audit_services.verification_record(result=verify_chain())
    Client().post("/accounts/login/", {"username": "equipe@cnil.test", "password": "wrong"}, REMOTE_ADDR="10.9.0.1")
    AccessFailureLog.objects.create(username="equipe@cnil.test", ip_address="10.9.0.1", locked_out=False)
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    CrontabSchedule.objects.create()
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    SolarSchedule.objects.create(event="sunrise", latitude=48.85, longitude=2.35)
    PeriodicTask.objects.create(name="matrix", task="matrix", interval=interval)
    DsfrConfig.objects.create()


def test_hostile_actors_get_the_same_refusal_for_every_object_id(hostile_world, capsys):
    clients, real, own = hostile_world["clients"], hostile_world["real"], hostile_world["own"]
    patterns = object_patterns()
    before = _table_digest()
    attempts, leaks, per_actor = 0, [], {}
    for actor, client in clients.items():
        per_actor[actor] = 0
        for name, route, callback, arguments in patterns:
            registers = actor == "outsider" and set(arguments.values()) <= STAFF_REGISTERS
            for method in _methods(callback):
                pages = {}
                for variant, values in _variants(arguments, real, own.get(actor, {})):
                    path = _path(route, values)
                    response = getattr(client, method)(path)
                    attempts += 1
                    per_actor[actor] += 1
                    page = _normalised(response, path)
                    where = f"{actor} {method.upper()} {path} ({name or route}, {variant}): {page[0]} {page[1]}"
                    canaries = (CANARY,) if actor == "outsider" else (CANARY, ORGANISATION_CANARY)
                    if any(canary in page[2] or canary in page[1] for canary in canaries):
                        leaks.append(f"{where}: shows the restricted case's data")
                    if registers:  # a register the outsider reads: only no error and no case data
                        if page[0] >= 500:
                            leaks.append(where)
                        continue
                    if not _refused(page[0], page[1]):
                        leaks.append(f"{where}: not a refusal")
                    pages[variant] = page
                if len(set(pages.values())) > 1:
                    statuses = {variant: page[:2] for variant, page in pages.items()}
                    leaks.append(f"{actor} {method.upper()} {name or route}: answers differ {statuses}")
    writes = {label for label, digest in _table_digest().items() if before[label] != digest}
    # The pages without an id (lists, search, exports, home): none shows the restricted case. Reading a
    # list is recorded in the access log, so these come after the check that nothing was written.
    for actor, client in clients.items():
        for name, route, _callback in all_patterns():
            if ARGUMENT.search(route) or "(?P" in route or route.startswith("admin/"):
                continue
            path = _path(route, {})
            response = client.get(path, {"q": SEARCHED} if name == "dashboards:search" else {})
            attempts += 1
            per_actor[actor] += 1
            page = _normalised(response, path)
            canaries = (CANARY,) if actor == "outsider" else (CANARY, ORGANISATION_CANARY)
            if page[0] >= 500 or any(canary in page[2] for canary in canaries):
                leaks.append(f"{actor} GET {path} ({name}): {page[0]}, shows the restricted case's data")
    with capsys.disabled():  # the figures the README quotes, in every run's output
        sys.stdout.write(
            f"\nauthorization matrix, hostile actors: {attempts} attempts {per_actor}, {len(leaks)} leaks\n"
        )
    assert attempts >= 500
    assert not writes, f"refused requests wrote to {sorted(writes)}"
    assert not leaks, "\n".join(leaks[:40])


MANAGER_PAGES = frozenset({"cases:assign", "dashboards:incident"})  # a manager's, not the team's


def test_the_ids_of_the_hostile_matrix_are_real(hostile_world):
    """The control of the test above: the same URLs open for the restricted case's team member and for
    organisation A's person, and the canary is on their pages — so a 404 above is a refusal, not a typo."""
    real, owners = hostile_world["real"], hostile_world["owners"]
    kinds = {kind for *_pattern, arguments in object_patterns() for kind in arguments.values()}
    assert {kind for kind in kinds if real.get(kind) is None} == set()
    opened, not_found = 0, []
    for name, route, _callback, arguments in object_patterns():
        if route.startswith("admin/") or set(arguments.values()) & {"invitation_token", "calendar_token"}:
            continue  # the admin is the administrators'; those tokens were used or replaced on purpose
        if name == "notifications:mark_read":
            continue  # POST only, like the others answering 405 below, but outside any case
        owner = "portal" if route.startswith("portal/") else "manager" if name in MANAGER_PAGES else "staff"
        client = owners[owner]
        path = _path(route, {a: real[kind] for a, kind in arguments.items()})
        response = client.get(path)
        if response.status_code in (404, 302) or response.status_code >= 500:
            not_found.append(f"{name} {path}: {response.status_code}")
        opened += 1
    assert not not_found, not_found
    assert opened > 50
    assert CANARY in owners["staff"].get(f"/cases/{real['case']}/").content.decode()
    assert CANARY in owners["portal"].get(f"/portal/requests/{real['portal_request']}/").content.decode()
    assert CANARY in owners["manager"].get("/search/", {"q": SEARCHED}).content.decode()
