"""Query budgets of the busiest pages, in one place: a page costs the same number of queries for a
small case as for a large one, and no more than its budget.

Two data sets are built once for the module, through the services (so every row is one the
application itself would write, audit chain included):

- SMALL: a case with one party, one piece of evidence, one deadline, no request for information,
  and one row of each other kind a tab lists (control, breach notification, finding, formal notice);
- LARGE: a case with a team of 10 investigators, 30 parties over 20 organisations, 200 pieces of
  evidence each with custody events, 100 deadlines, 20 requests for information with questions and
  submitted answers, 10 controls, 10 breach notifications with their campaigns, 10 findings, a formal
  notice with 5 measures, and the history rows (> 500) and audit events (> 1,000) all that leaves (counted below).

Pages whose size is the whole database (the case list, the dashboards, search) are measured once on
the module's data and again after 300 more cases are added in the test (plain rows: the page reads
cases, the service path is not the point there).

Each budget is the count measured on PostgreSQL and SQLite (the larger of the two) on 29 November
2026; a change that needs more queries must raise the budget here, on purpose.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.audit.models import AuditEvent
from apps.breaches import services as breach_services
from apps.breaches.models import BreachNotification
from apps.cases import services as case_services
from apps.cases.models import Case, CaseUserObjectPermission, Party
from apps.controls import services as control_services
from apps.core.registry import case_tabs
from apps.dashboards import stats_refresh
from apps.dashboards.choices import TimelineKind
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.evidence.models import CustodyEvent, Evidence
from apps.info_requests import services as request_services
from apps.info_requests.models import InfoRequest, Submission
from apps.organisations.models import Sector
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Finding, FormalNotice, Obligation
from tests.support import PASSWORD, log_in_verified, make_organisation, make_staff, valid_siren

# --- Budgets (queries per request, a logged-in user past the second factor) ---------------------
DETAIL_BUDGET = 15  # the issue's goal: every tab of the case page, small or large case (10 to 15 today)
LIST_BUDGET = 99
TIMELINE_BUDGET = 99
MANAGER_BUDGET = 99
PORTAL_LIST_BUDGET = 99
PORTAL_REQUEST_BUDGET = 99
HOME_BUDGET = 99
SEARCH_BUDGET = 99

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_sirens = itertools.count(9000)


def pdf(name: str) -> ContentFile:
    return ContentFile(PDF + name.encode(), name=f"{name}.pdf")


# --- The data sets -------------------------------------------------------------------------------


class World:
    """What the module's tests read: the people, the two cases and the portal users."""


def _organisation(name: str, sector=None):
    return make_organisation(name, valid_siren(next(_sirens)), sector=sector)


def _portal_user(agent, party, email: str):
    _access, token = request_services.portal_invite(
        actor=agent, party=party, full_name=f"DPO {email}", email=email, role="dpo"
    )
    user = request_services.invitation_accept(token=token, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    return user


def _answered_requests(agent, case, parties, *, rounds: int, questions: int, messages: int) -> list[InfoRequest]:
    """``rounds`` requests to each party, each with ``questions`` questions answered and submitted by the
    party's portal user (with one document), then ``messages`` messages from the investigator."""
    made = []
    for number in range(rounds):
        asked = [{"text": f"Question {q} du tour {number}", "expects": "both"} for q in range(questions)]
        created = request_services.request_create(
            actor=agent,
            case=case,
            parties=[party for party, _user in parties],
            subject=f"Demande {number}",
            letter="Madame, Monsieur…",
            questions=asked,
            period_days=15,
        )
        for request, (_party, user) in zip(created, parties, strict=True):
            request_services.request_send(actor=agent, request=request)
            rows = list(request.questions.order_by("position"))
            request_services.draft_save(actor=user, request=request, answers={q.pk: f"Réponse {q.pk}" for q in rows})
            request_services.draft_file_add(
                actor=user, request=request, question=rows[0], upload=pdf(f"piece-{request.pk}")
            )
            request_services.submission_submit(actor=user, request=request)
            for m in range(messages):
                request_services.message_post(actor=agent, request=request, text=f"Message {m}")
            made.append(request)
    return made


def build_small(w: World) -> None:
    agent = w.solo
    w.small = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Dossier zirconium")
    case_services.case_assign(actor=w.manager, case=w.small, lead=agent, team=[agent])
    case_services.case_transition(actor=agent, case=w.small, to_status="investigating", reason="Contrôle décidé")
    organisation = _organisation("Petite Mutuelle", sector=w.sectors[0])
    party = case_services.party_add(
        actor=agent, case=w.small, organisation=organisation, role="controller", processing="p"
    )
    # One row of each kind the other tabs list: an empty list would skip its prefetch queries and
    # make the small case cheaper for a reason that has nothing to do with growth.
    control_services.control_record(actor=agent, case=w.small, kind="documentary", decision_reference="DEC")
    received = timezone.now() - timedelta(hours=1)
    breach_services.breach_notification_record(
        actor=agent, case=w.small, controller=organisation, phase="initial", received_at=received, awareness_at=received
    )
    breach_services.campaign_record(actor=agent, case=w.small, controller=organisation, decision="required")
    obligation = Obligation.objects.order_by("position").first()
    assessment = outcome_services.assessment_record(
        actor=agent, party=party, obligation=obligation, status="infringement", finding={"facts": "Faits"}
    )
    outcome_services.formal_notice_issue(
        actor=agent,
        party=party,
        findings=[assessment.finding],
        measures=[{"obligation": obligation, "description": "Mesure"}],
        decision_reference="MED-2026-000",
        decided_on=timezone.localdate(),
        period_days=10,
    )
    evidence_services.evidence_register(
        actor=agent, case=w.small, upload=pdf("small"), title="PV", source="documentary"
    )
    deadline_services.deadline_create(
        actor=agent, case=w.small, kind="rapporteur_reply", started_at=timezone.now(), start_event="Réponse"
    )
    request_services.request_create(
        actor=agent,
        case=w.small,
        parties=[party],
        subject="Demande",
        letter="Madame, Monsieur…",
        questions=[{"text": "Question", "expects": "text"}],
        period_days=15,
    )
    # The portal's small set: another case, one party, one request with one question, answered.
    w.portal_small_case = case_services.case_open(
        actor=agent, origin="ex_officio", legal_regime="gdpr", title="Dossier portail"
    )
    case_services.case_transition(actor=agent, case=w.portal_small_case, to_status="investigating", reason="r")
    party = case_services.party_add(
        actor=agent,
        case=w.portal_small_case,
        organisation=_organisation("Mutuelle Seule"),
        role="controller",
        processing="p",
    )
    w.dpo_small = _portal_user(agent, party, "dpo@seule.example")
    (w.request_small,) = _answered_requests(
        agent, w.portal_small_case, [(party, w.dpo_small)], rounds=1, questions=1, messages=1
    )


def build_large(w: World) -> None:
    agent = w.lead
    case = w.large = case_services.case_open(
        actor=agent, origin="ex_officio", legal_regime="gdpr", title="Dossier tungstène"
    )
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    case_services.case_assign(actor=w.manager, case=case, lead=agent, team=w.team)
    organisations = [_organisation(f"Organisme {n}", sector=w.sectors[n % 2]) for n in range(20)]
    parties = [
        case_services.party_add(actor=agent, case=case, organisation=org, role="controller", processing="tiers payant")
        for org in organisations
    ] + [
        case_services.party_add(actor=agent, case=case, organisation=org, role="processor", processing="hébergement")
        for org in organisations[:10]
    ]
    for n in range(200):
        evidence = evidence_services.evidence_register(
            actor=w.team[n % 10],
            case=case,
            upload=pdf(f"large-{n}"),
            title=f"Pièce {n}",
            source="documentary",
            parties=[parties[n % 30]],
        )
        evidence_services.evidence_download_record(actor=w.team[(n + 1) % 10], evidence=evidence, ip="192.0.2.1")
    for n in range(100):
        deadline_services.deadline_create(
            actor=w.team[n % 10],
            case=case,
            kind="rapporteur_reply",
            started_at=timezone.now() - timedelta(days=n),
            start_event=f"Réponse {n}",
        )
    for n in range(10):
        control = control_services.control_record(
            actor=agent, case=case, kind="documentary", decision_reference=f"DEC-{n}"
        )
        control_services.control_update(actor=agent, control=control, notes=f"Pièces demandées {n}")
        received = timezone.now() - timedelta(days=n, hours=1)
        controller = organisations[n]
        breach_services.breach_notification_record(
            actor=agent, case=case, controller=controller, phase="initial", received_at=received, awareness_at=received
        )
        breach_services.campaign_record(actor=agent, case=case, controller=controller, decision="required")
    # Ten findings: five against the first party, which one formal notice (five measures) names.
    obligations = list(Obligation.objects.order_by("position")[:5])
    assessments = [
        outcome_services.assessment_record(
            actor=agent,
            party=party,
            obligation=obligations[n % 5],
            status="infringement",
            finding={"facts": f"Faits {n}"},
        )
        for n, party in enumerate([parties[0]] * 5 + parties[1:6])
    ]
    outcome_services.formal_notice_issue(
        actor=agent,
        party=parties[0],
        findings=[assessment.finding for assessment in assessments[:5]],
        measures=[{"obligation": a.obligation, "description": f"Mesure {a.pk}"} for a in assessments[:5]],
        decision_reference="MED-2026-001",
        decided_on=timezone.localdate(),
        period_days=10,
    )
    w.dpo_large = _portal_user(agent, parties[0], "dpo@organisme0.example")
    other = _portal_user(agent, parties[1], "dpo@organisme1.example")
    requests = _answered_requests(
        agent, case, [(parties[0], w.dpo_large), (parties[1], other)], rounds=10, questions=6, messages=5
    )
    w.request_large = requests[-2]  # the last one to the first party
    for n in range(max(0, 1000 - AuditEvent.objects.filter(case_id=case.pk).count())):
        case_services.case_update(actor=w.team[n % 10], case=case, summary=f"Point d'étape {n}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both data sets, built once and rolled back when the module ends."""
    evidence = tmp_path_factory.mktemp("qc-evidence")
    imports = tmp_path_factory.mktemp("qc-imports")
    storages = {
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": evidence}},
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": imports}},
    }
    with django_db_blocker.unblock(), transaction.atomic():
        from django.conf import settings

        with override_settings(STORAGES={**settings.STORAGES, **storages}):
            w = World()
            w.manager = make_staff("claire@qc.test", roles=("manager",), full_name="Claire Dubois")
            w.lead = make_staff("ines@qc.test", roles=("investigator",), full_name="Inès Leroy")
            w.team = [w.lead] + [
                make_staff(f"agent{n}@qc.test", roles=("investigator",), full_name=f"Agent {n}") for n in range(1, 10)
            ]
            w.sectors = [
                Sector.objects.create(code=f"qc{n}", name_fr=f"Secteur {n}", name_en=f"Sector {n}") for n in range(2)
            ]
            w.solo = make_staff("solo@qc.test", roles=("investigator",), full_name="Sacha Solo")
            build_small(w)
            build_large(w)
        yield w
        transaction.set_rollback(True)


# --- Measuring ----------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def measure(client, url: str, params=None, **headers) -> tuple[int, list[str]]:
    """The queries of one request, after a first one has warmed the session and caches."""
    assert client.get(url, params, **headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params, **headers)
    assert response.status_code == 200, response
    return len(queries), [q["sql"] for q in queries.captured_queries]


def explain(label: str, small: tuple[int, list[str]], large: tuple[int, list[str]]) -> str:
    lines = [f"{label}: small {small[0]} queries, large {large[0]}"]
    for name, (_n, sql) in (("small", small), ("large", large)):
        lines.append(f"-- {name}:")
        lines.extend(f"  {i + 1}. {q[:300]}" for i, q in enumerate(sql))
    return "\n".join(lines)


def assert_same_within(label: str, small, large, budget: int) -> None:
    assert small[0] == large[0], explain(label, small, large)
    assert large[0] <= budget, explain(label, small, large)


# --- The sets are the size the issue names ------------------------------------------------------


def test_the_large_set_is_large_and_the_small_one_small(world):
    large, small = world.large, world.small
    assert Party.objects.filter(case=large).count() >= 30
    assert Party.objects.filter(case=large).values("organisation").distinct().count() >= 20
    assert Evidence.objects.filter(case=large).count() >= 200
    assert CustodyEvent.objects.filter(evidence__case=large).count() >= 400
    assert large.deadlines.count() >= 100
    assert InfoRequest.objects.filter(case=large).count() >= 20
    assert Submission.objects.filter(request__case=large, submitted_at__isnull=False).count() >= 20
    assert Finding.objects.filter(assessment__party__case=large).count() >= 10
    assert FormalNotice.objects.get(case=large).measures.count() == 5
    assert large.controls.count() == BreachNotification.objects.filter(case=large).count() == 10
    history = sum(
        model.history.filter(**{lookup: large.pk}).count()
        for model, lookup in (
            (Case, "id"),
            (Party, "case_id"),
            (Evidence, "case_id"),
            (large.deadlines.model, "case_id"),
            (InfoRequest, "case_id"),
        )
    )
    assert history >= 500
    assert AuditEvent.objects.filter(case_id=large.pk).count() >= 1000
    team = CaseUserObjectPermission.objects.filter(content_object=large, permission__codename="change_case")
    assert team.values("user").distinct().count() == 10
    assert (Party.objects.filter(case=small).count(), small.evidence.count()) == (1, 1)
    assert small.deadlines.count() == 2  # ours, and the formal notice's compliance period
    assert InfoRequest.objects.filter(case=small).count() == 1  # a draft: the timeline's requests are not empty


# --- The case page: every registered tab --------------------------------------------------------


@pytest.mark.parametrize("slug", [tab.slug for tab in case_tabs.all()])
def test_each_tab_of_the_case_page(world, slug):
    # Each case's lead reads it: the lead sees every tab, "who accessed this case" included.
    small = measure(client_for(world.solo), reverse("cases:tab", args=[world.small.pk, slug]))
    large = measure(client_for(world.lead), reverse("cases:tab", args=[world.large.pk, slug]))
    assert_same_within(f"tab {slug}", small, large, DETAIL_BUDGET)


def test_every_registered_tab_is_measured(world):
    """A tab hidden from the lead would escape the test above: the lead sees them all."""
    registered = [tab.slug for tab in case_tabs.all()]
    for user, case in ((world.solo, world.small), (world.lead, world.large)):
        page = client_for(user).get(reverse("cases:detail", args=[case.pk]))
        assert [tab.slug for tab in page.context["tabs"]] == registered


# --- The timeline tab: pages and filters --------------------------------------------------------

TIMELINE_FILTERS = [
    *({"kind": kind} for kind in TimelineKind.values),
    {"kind": [TimelineKind.CASE, TimelineKind.EVIDENCE, TimelineKind.AUDIT]},
    {"actor": "lead"},
    {"date_from": "2000-01-01"},
    {"date_to": "2100-12-31"},
    {"date_from": "2000-01-01", "date_to": "2100-12-31", "actor": "lead", "kind": TimelineKind.DEADLINES},
]


@pytest.mark.parametrize("params", TIMELINE_FILTERS, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_timeline_filters(world, params):
    small_params = {k: (world.solo.pk if v == "lead" else v) for k, v in params.items()}
    large_params = {k: (world.lead.pk if v == "lead" else v) for k, v in params.items()}
    small_client, large_client = client_for(world.solo), client_for(world.lead)
    url = lambda case: reverse("cases:tab", args=[case.pk, "timeline"])  # noqa: E731
    small = measure(small_client, url(world.small), small_params)
    large = measure(large_client, url(world.large), large_params)
    assert_same_within(f"timeline {params}", small, large, TIMELINE_BUDGET)
    fragment_small = measure(small_client, url(world.small), small_params, HTTP_HX_REQUEST="true")
    fragment_large = measure(large_client, url(world.large), large_params, HTTP_HX_REQUEST="true")
    assert_same_within(f"timeline fragment {params}", fragment_small, fragment_large, TIMELINE_BUDGET)


def test_timeline_next_pages(world):
    client = client_for(world.lead)
    url = reverse("cases:tab", args=[world.large.pk, "timeline"])
    first = measure(client, url)
    small = measure(client_for(world.solo), reverse("cases:tab", args=[world.small.pk, "timeline"]))
    query = client.get(url).context["ctx"]["older_query"]
    for _page in range(3):  # deep into the large case's timeline
        assert query
        later = measure(client, f"{url}?{query}")
        assert_same_within("timeline next page", small, later, TIMELINE_BUDGET)
        assert later[0] == first[0]
        query = client.get(f"{url}?{query}").context["ctx"]["older_query"]


# --- Pages over the whole database: measured before and after 300 more cases -------------------


def add_cases(world, count: int = 300) -> list[Case]:
    """``count`` cases as plain rows: statuses, origins, a party each in one of the sectors, a lead and
    its team permission, one in ten restricted."""
    now = timezone.now()
    statuses, origins = ["opened", "investigating", "closed"], ["ex_officio", "complaint", "breach_notification"]
    cases = Case.objects.bulk_create(
        Case(
            reference=f"2019-{n:06d}",
            origin=origins[n % 3],
            legal_regime="gdpr",
            title=f"Dossier tungstène {n}",
            status=statuses[n % 3],
            confidentiality="restricted" if n % 10 == 0 else "normal",
            lead_investigator=world.team[n % 10],
            opened_by=world.lead,
            last_activity_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    organisations = [party.organisation for party in Party.objects.filter(case=world.large, role="controller")]
    Party.objects.bulk_create(
        Party(case=case, organisation=organisations[n % len(organisations)], role="controller", processing="p")
        for n, case in enumerate(cases)
    )
    permissions = list(
        Permission.objects.filter(content_type__app_label="cases", codename__in=["view_case", "change_case"])
    )
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object=case, user=world.team[n % 10], permission=permission)
        for n, case in enumerate(cases)
        for permission in permissions
    )
    return cases


def case_list_queries(world, user) -> dict[str, tuple[int, list[str]]]:
    client = client_for(user)
    filters = {
        "no filter": {},
        "status": {"status": "opened"},
        "origin": {"origin": "ex_officio"},
        "sector": {"sector": world.sectors[0].pk},
        "assignee": {"assignee": world.lead.pk},
        "restricted": {"restricted": "1"},
        "not restricted": {"restricted": "0"},
        "search": {"q": "tungstène"},
        "all filters": {"status": "opened", "origin": "ex_officio", "sector": world.sectors[0].pk, "q": "Dossier"},
    }
    counts = {label: measure(client, reverse("cases:list"), params) for label, params in filters.items()}
    counts["rows only (HTMX)"] = measure(client, reverse("cases:list"), {"status": "opened"}, HTTP_HX_REQUEST="true")
    return counts


@pytest.mark.parametrize("role", ["investigator", "manager"])
def test_case_list(world, role):
    user = world.lead if role == "investigator" else world.manager
    # A restricted case on the lead's team, so that every filter finds a row in the small state too.
    restricted = case_services.case_open(
        actor=world.lead,
        origin="ex_officio",
        legal_regime="gdpr",
        title="Dossier tungstène",
        confidentiality="restricted",
    )
    case_services.party_add(  # in the first sector: the "all filters" page has a row too
        actor=world.lead,
        case=restricted,
        organisation=_organisation("Mutuelle Tungstène", sector=world.sectors[0]),
        role="controller",
        processing="tiers payant",
    )
    small = case_list_queries(world, user)
    add_cases(world)
    large = case_list_queries(world, user)
    for label in small:
        assert_same_within(f"case list ({role}), {label}", small[label], large[label], LIST_BUDGET)
    client = client_for(user)
    first = client.get(reverse("cases:list"))
    later = measure(client, reverse("cases:list") + "?" + first.context["page"].next_query)
    assert_same_within(f"case list ({role}), page after a cursor", small["no filter"], later, LIST_BUDGET)
    filtered = client.get(reverse("cases:list"), {"sector": world.sectors[0].pk})
    later = measure(client, reverse("cases:list") + "?" + filtered.context["page"].next_query)
    assert_same_within(f"case list ({role}), sector, after a cursor", small["sector"], later, LIST_BUDGET)


def test_managers_dashboard(world):
    client = client_for(world.manager)
    filters = {
        "no filter": {},
        "sector": {"sector": world.sectors[0].pk},
        "investigator": {"investigator": world.lead.pk},
        "period": {"start": "2019-01", "end": timezone.localdate().strftime("%Y-%m")},
    }
    stats_refresh.refresh()
    small = {label: measure(client, reverse("dashboards:manager"), params) for label, params in filters.items()}
    add_cases(world)
    stats_refresh.refresh()
    large = {label: measure(client, reverse("dashboards:manager"), params) for label, params in filters.items()}
    for label in filters:
        assert_same_within(f"manager dashboard, {label}", small[label], large[label], MANAGER_BUDGET)


def test_investigator_home(world):
    small = measure(client_for(world.solo), reverse("accounts:home"))  # one case, one deadline, no answer
    add_cases(world)  # the lead now leads 31 cases, one with 100 deadlines and 20 answers
    large = measure(client_for(world.lead), reverse("accounts:home"))
    assert_same_within("investigator home", small, large, HOME_BUDGET)


def test_search(world):
    add_cases(world)
    client = client_for(world.lead)
    small = measure(client, reverse("dashboards:search"), {"q": "zirconium"})
    large = measure(client, reverse("dashboards:search"), {"q": "tungstène"})
    few = client.get(reverse("dashboards:search"), {"q": "zirconium"}).context["total"]
    many = client.get(reverse("dashboards:search"), {"q": "tungstène"}).context["total"]
    assert (few, many > 250) == (1, True)
    assert_same_within("search", small, large, SEARCH_BUDGET)


# --- The portal: an organisation's requests and a request page ----------------------------------


def test_portal_request_list(world):
    small = measure(client_for(world.dpo_small), reverse("portal:home"))  # one request
    large = measure(client_for(world.dpo_large), reverse("portal:home"))  # ten, answered, with messages
    assert_same_within("portal request list", small, large, PORTAL_LIST_BUDGET)


def test_portal_request_page(world):
    small = measure(client_for(world.dpo_small), reverse("portal:request", args=[world.request_small.pk]))
    large = measure(client_for(world.dpo_large), reverse("portal:request", args=[world.request_large.pk]))
    assert_same_within("portal request page", small, large, PORTAL_REQUEST_BUDGET)
