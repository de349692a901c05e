"""The investigator's home: my cases, my deadlines, recent answers, integrity alerts — only from my cases,
in a constant number of queries."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.cases import services as case_services
from apps.evidence import services as evidence_services
from apps.evidence.models import IntegrityAlert
from apps.info_requests import services as request_services
from tests.dashboards import dash_data as data
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db
_n = iter(range(1, 10_000))


@pytest.fixture
def ines(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def paul(db):
    return make_staff("paul@cnil.test", roles=("investigator",), full_name="Paul Martin")


@pytest.fixture
def manager(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


def home_page(client, user) -> str:
    log_in_verified(client, user)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def answered_case(investigator, title: str):
    """A case opened by ``investigator`` whose organisation has submitted an answer, and a stored document."""
    number = next(_n)
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title=title)
    organisation = make_organisation(f"Société {title}", valid_siren(number))
    party = case_services.party_add(
        actor=investigator, case=case, organisation=organisation, role="controller", processing="paie"
    )
    (request,) = request_services.request_create(
        actor=investigator,
        case=case,
        parties=[party],
        subject="Sécurité",
        letter="Madame, Monsieur",
        questions=[{"text": "Quelle authentification ?", "expects": "text"}],
        period_days=15,
    )
    _access, token = request_services.portal_invite(
        actor=investigator, party=party, full_name="DPO", email=f"dpo{number}@exemple.example", role="dpo"
    )
    dpo = request_services.invitation_accept(token=token, password="correct horse battery staple 42")
    request_services.request_send(actor=investigator, request=request)
    request_services.draft_save(actor=dpo, request=request, answers={request.questions.get().pk: "MFA"})
    request_services.submission_submit(actor=dpo, request=request)
    evidence = evidence_services.evidence_register(
        actor=investigator,
        case=case,
        upload=ContentFile(b"%PDF-1.4 " + title.encode(), name=f"{number}.pdf"),
        title=f"PV {title}",
        source="public",
    )
    IntegrityAlert.objects.create(blob=evidence.blob, problem="mismatch", detail="test")
    return case, organisation


def test_an_investigator_sees_only_her_cases_deadlines_answers_and_alerts(client, ines, paul, manager):
    mine, my_org = answered_case(ines, "Mienne")
    theirs, their_org = answered_case(paul, "Autre")
    on_team = case_services.case_open(actor=paul, origin="ex_officio", legal_regime="gdpr", title="Équipe")
    case_services.case_assign(actor=manager, case=on_team, lead=paul, team=[paul, ines])
    now = timezone.now()
    late = data.deadline(mine, now - timedelta(days=2))
    late.title = "Réponse en retard"
    late.save()
    soon = data.deadline(on_team, now + timedelta(days=5))
    soon.title = "Audition bientôt"
    soon.save()
    hidden = data.deadline(theirs, now - timedelta(days=1))
    hidden.title = "Échéance de Paul"
    hidden.save()

    page = home_page(client, ines)
    assert "Mes dossiers" in page
    assert mine.reference in page
    assert on_team.reference in page
    assert theirs.reference not in page
    assert "Réponse en retard" in page
    assert "Audition bientôt" in page
    assert "Échéance de Paul" not in page
    assert "Réponses récentes des organismes" in page
    assert my_org.legal_name in page
    assert their_org.legal_name not in page
    assert "Alertes d'intégrité sur mes dossiers" in page
    assert "PV Mienne" in page
    assert "PV Autre" not in page


def test_a_closed_case_leaves_my_cases(client, ines, manager):
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Bientôt clos")
    data.transition(manager, case, "closed", timezone.now())
    page = home_page(client, ines)
    assert case.reference not in page
    assert "Vous n'êtes sur aucun dossier ouvert." in page


def test_empty_panels_say_so(client, ines):
    page = home_page(client, ines)
    assert "Vous n'êtes sur aucun dossier ouvert." in page
    assert "Aucune échéance dépassée ni dans les 30 prochains jours sur vos dossiers." in page
    assert "Aucune réponse d'un organisme sur vos dossiers ces 30 derniers jours." in page
    assert "Aucune alerte d'intégrité sur vos dossiers." in page


def test_the_panels_are_for_investigators(client, manager):
    page = home_page(client, manager)
    assert "Mes dossiers" not in page
    assert "Alertes d'intégrité sur mes dossiers" not in page


def test_query_count_does_not_grow_with_the_data(client, ines, paul):
    answered_case(ines, "Un")
    log_in_verified(client, ines)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("accounts:home")).status_code == 200
    for k in range(12):
        case, _org = answered_case(ines if k % 2 else paul, f"Cas {k}")
        data.deadline(case, timezone.now() + timedelta(days=k - 6))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("accounts:home")).status_code == 200
    assert len(large) == len(small)
