"""Who accessed a case: recorded on the pages and downloads that show sensitive material, listed for
managers and the case lead, and the managers' integrity status page."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit import access
from apps.audit.anchors import anchor_write
from apps.audit.choices import AccessAction
from apps.audit.models import AccessRecord, AuditEvent
from apps.audit.services import verification_record
from apps.audit.verify import verify_chain
from apps.cases import services as case_services
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.evidence.models import IntegrityAlert
from tests.dashboards.conftest import ask, pdf
from tests.info_requests.conftest import enrol
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agent):
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    case_services.case_assign(actor=agent, case=case, lead=agent, team=[agent])
    return case


@pytest.fixture
def colleague(db):
    return make_staff("paul@cnil.test", roles=("investigator",), full_name="Paul Durand")


def tab(case) -> str:
    return reverse("cases:tab", args=[case.pk, "accesses"])


def records(**filters) -> list[tuple]:
    return list(AccessRecord.objects.filter(**filters).order_by("id").values_list("user_name", "action", "object_type"))


def test_pages_and_downloads_of_sensitive_material_are_recorded(client, agent, case):
    party = case_services.party_add(
        actor=agent,
        case=case,
        organisation=make_organisation("Mutuelle 1", valid_siren(41)),
        role="controller",
        processing="tp",
    )
    evidence = evidence_services.evidence_register(
        actor=agent, case=case, upload=pdf("pv"), title="PV", source="documentary"
    )
    info_request = ask(agent, case, party, 1)
    submission = info_request.submissions.get()
    log_in_verified(client, agent)
    events = AuditEvent.objects.count()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("evidence:detail", args=[case.pk, evidence.pk])).status_code == 200
    assert client.get(reverse("evidence:download", args=[case.pk, evidence.pk])).status_code == 200
    assert client.get(reverse("info_requests:detail", args=[case.pk, info_request.pk])).status_code == 200
    url = reverse("info_requests:receipt_pdf", args=[case.pk, info_request.pk, submission.pk])
    assert client.get(url).status_code == 200
    assert records(case_id=case.pk) == [
        ("Inès Leroy", AccessAction.VIEW, "case"),
        ("Inès Leroy", AccessAction.VIEW, "evidence"),
        ("Inès Leroy", AccessAction.DOWNLOAD, "evidence"),
        ("Inès Leroy", AccessAction.VIEW, "info_request"),
        ("Inès Leroy", AccessAction.DOWNLOAD, "receipt"),
    ]
    # The downloaded evidence's custody event is chained as before; the page views added no event.
    assert AuditEvent.objects.count() == events + 1
    last = AccessRecord.objects.latest("id")
    assert (last.ip, last.path) == ("127.0.0.1", url)
    # The organisation reading its own request and receipt is recorded too.
    client.logout()
    dpo = enrol(submission.submitted_by)
    log_in_verified(client, dpo)
    assert client.get(reverse("portal:request", args=[info_request.pk])).status_code == 200
    assert client.get(reverse("portal:receipt_pdf", args=[submission.receipt_number])).status_code == 200
    assert records(case_id=case.pk, user_id=dpo.pk) == [
        ("DPO 1", AccessAction.VIEW, "info_request"),
        ("DPO 1", AccessAction.DOWNLOAD, "receipt"),
    ]


def test_a_refused_access_is_not_an_access(client, agent, colleague, case):
    case_services.case_update(actor=agent, case=case, confidentiality="restricted")
    log_in_verified(client, colleague)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert not AccessRecord.objects.exists()


def test_the_calendar_feed_is_an_export_recorded_without_its_token(client, agent):
    token = deadline_services.calendar_feed_renew(actor=agent)
    assert client.get(reverse("deadlines:calendar_ics", args=[token])).status_code == 200
    record = AccessRecord.objects.get()
    assert (record.user_id, record.action, record.object_type, record.path) == (
        agent.pk,
        AccessAction.EXPORT,
        "calendar_feed",
        "",
    )
    assert token not in json.dumps(list(AccessRecord.objects.values()), default=str)


def test_managers_and_the_lead_see_who_accessed_the_case(client, agent, manager, colleague, case):
    case_services.case_assign(actor=agent, case=case, lead=agent, team=[agent, colleague])
    log_in_verified(client, colleague)  # on the team, not the lead
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(tab(case)).status_code == 404
    log_in_verified(client, manager)
    page = client.get(tab(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Qui a consulté ce dossier" in html
    assert "Paul Durand" in html
    assert "Claire Dubois" in html
    people = {row["user_name"]: row for row in page.context["ctx"]["people"]}
    assert people["Paul Durand"]["views"] == 1
    log_in_verified(client, agent)
    assert client.get(tab(case)).status_code == 200
    assert f'href="{tab(case)}"' in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_one_persons_records_paged_newest_first_with_constant_queries(client, manager, agent, colleague, case):
    def add(user, count):
        for number in range(count):
            access.access_record(
                actor=user, action=AccessAction.VIEW, object_type="evidence", object_id=number, case_id=case.pk
            )

    add(agent, 3)
    log_in_verified(client, manager)
    with CaptureQueriesContext(connection) as small:
        client.get(tab(case))
    add(colleague, 120)
    add(agent, 5)
    with CaptureQueriesContext(connection) as large:
        first = client.get(tab(case), {"person": colleague.pk})
    assert len(large) == len(small)
    shown = first.context["ctx"]["page"].records
    assert len(shown) == 50
    assert {record.user_id for record in shown} == {colleague.pk}
    assert [record.id for record in shown] == sorted((record.id for record in shown), reverse=True)
    older = client.get(tab(case), {"person": colleague.pk, "before": shown[-1].id})
    assert max(record.id for record in older.context["ctx"]["page"].records) < shown[-1].id
    assert older.context["ctx"]["older_query"]


@pytest.mark.parametrize("query", [{"person": "abc"}, {"person": "999999"}, {"before": "-3"}, {"before": "x" * 30}])
def test_bad_filters_are_form_errors(client, manager, case, query):
    log_in_verified(client, manager)
    response = client.get(tab(case), query)
    assert response.status_code == 200
    assert 'id="access-errors"' in response.content.decode()


def test_sealed_records_say_so(client, manager, case):
    log_in_verified(client, manager)
    client.get(tab(case))
    (event,) = access.access_seal_all()
    html = client.get(tab(case)).content.decode()
    assert f"oui, événement n° {event.seq}" in html


def test_integrity_page_for_managers(client, manager, agent, case, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    url = reverse("dashboards:integrity")
    log_in_verified(client, agent)
    assert client.get(url).status_code == 404
    log_in_verified(client, manager)
    html = client.get(url).content.decode()
    assert "Jamais vérifiée" in html
    assert "Aucune ancre" in html
    verification_record(result=verify_chain())
    anchor = anchor_write()
    evidence = evidence_services.evidence_register(
        actor=agent, case=case, upload=pdf("pv"), title="PV altéré", source="documentary"
    )
    IntegrityAlert.objects.create(blob=evidence.blob, problem="mismatch")
    assert "0 accès en attente" in html
    client.get(reverse("cases:detail", args=[case.pk]))
    assert "1 accès en attente de scellement" in client.get(url).content.decode()
    access.access_seal_all()
    html = client.get(url).content.decode()
    assert "Intègre" in html
    assert f"Événement n° {anchor.seq}" in html
    assert "Correspond à la chaîne" in html
    assert "PV altéré" in html
    assert "1 alerte" in html
    assert "Dernier lot : événement n°" in html
    assert "0 accès en attente" in html


def test_request_for_an_unknown_request_is_404_and_not_recorded(client, agent, case):
    log_in_verified(client, agent)
    assert client.get(reverse("info_requests:detail", args=[case.pk, 424242])).status_code == 404
    assert not AccessRecord.objects.filter(object_type="info_request").exists()


def test_the_demo_leaves_the_integrity_page_green(client, manager, settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    call_command("seed_demo", "--force")
    log_in_verified(client, manager)
    html = client.get(reverse("dashboards:integrity")).content.decode()
    assert "Intègre" in html
    assert "Correspond à la chaîne" in html
    assert "Jamais vérifiée" not in html
