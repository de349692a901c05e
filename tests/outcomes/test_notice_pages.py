"""The formal-notice pages: record a notice with its measures, its delivery and receipt, then compliance."""

import pytest
from django.test import Client

from apps.cases.models import Case
from apps.deadlines.models import Deadline
from apps.outcomes.models import Delivery, FormalNotice, Measure
from tests.support import log_in_verified, make_staff

from .test_formal_notices import RECEIVED, SENT

pytestmark = pytest.mark.django_db


def local(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def notice_post(party, finding, security, **overrides):
    data = {
        "party": party.pk,
        "findings": [finding.pk],
        "decision_reference": "MED-2024-002",
        "decided_on": "2024-02-27",
        "period_days": "10",
        "measures-TOTAL_FORMS": "3",
        "measures-INITIAL_FORMS": "0",
        "measures-0-obligation": security.pk,
        "measures-0-description": "Authentification multifacteur",
        "measures-1-obligation": security.pk,
        "measures-1-description": "Journalisation",
    }
    return data | overrides


def test_record_a_notice_then_its_delivery_and_compliance(agent, setting):
    case, party, finding, security, proof = setting
    client = Client()
    log_in_verified(client, agent)
    url = f"/cases/{case.pk}/outcomes/notices/new/"
    assert client.get(url).status_code == 200
    refused = client.post(url, notice_post(party, finding, security, period_days="9"))
    assert refused.status_code == 400
    assert "au moins 10 jours" in refused.content.decode()
    assert not FormalNotice.objects.exists()
    response = client.post(url, notice_post(party, finding, security))
    notice = FormalNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/outcomes/notices/{notice.pk}/"
    assert notice.measures.count() == 2

    detail = response["Location"]
    early = client.post(
        detail,
        {
            "action": "delivery",
            "means": "bailiff",
            "sent_at": local(SENT),
            "received_at": local(SENT.replace(day=27)),
            "proof": proof.pk,
        },
    )
    assert early.status_code == 400
    assert "avant son envoi" in early.content.decode()
    assert client.post(detail, {"action": "delivery", "means": "bailiff", "sent_at": local(SENT)}).status_code == 302
    delivery = Delivery.objects.get()
    assert (
        client.post(
            detail, {"action": "receipt", "delivery": delivery.pk, "received_at": local(RECEIVED), "proof": proof.pk}
        ).status_code
        == 302
    )
    assert Deadline.objects.filter(kind="formal_notice_compliance", status="open").exists()
    page = client.get(detail).content.decode()
    assert "Reçue : délai de mise en conformité en cours" in page

    first, second = Measure.objects.filter(notice=notice)
    for measure in (first, second):
        assert client.post(detail, {"action": "check", "measure": measure.pk, "met": "1"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == "notice_complied"
    assert "Respectée" in client.get(f"/cases/{case.pk}/tab/outcomes/").content.decode()


def test_readers_see_the_team_records(agent, setting):
    case, party, finding, security, _proof = setting
    client = Client()
    log_in_verified(client, agent)
    client.post(f"/cases/{case.pk}/outcomes/notices/new/", notice_post(party, finding, security))
    notice = FormalNotice.objects.get()
    outsider = Client()
    log_in_verified(outsider, make_staff("autre@cnil.test"))
    detail = f"/cases/{case.pk}/outcomes/notices/{notice.pk}/"
    assert outsider.get(detail).status_code == 200  # staff readers see unrestricted cases
    assert outsider.post(detail, {"action": "delivery", "means": "bailiff", "sent_at": local(SENT)}).status_code == 404
    assert not Delivery.objects.exists()  # only the case team records
    nobody = Client()
    log_in_verified(nobody, make_staff("sans-role@cnil.test", roles=()))
    assert nobody.get(detail).status_code == 404
    assert client.get(f"/cases/{case.pk}/outcomes/notices/999999/").status_code == 404
    assert client.post(detail, {"action": "nonsense"}).status_code == 400
