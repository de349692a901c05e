import pytest

from apps.organisations.models import Organisation
from apps.organisations.services import relationship_record
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigator_client(client):
    log_in_verified(client, make_staff("agent@cnil.test"))
    return client


def form_data(**overrides):
    data = {"legal_name": "Mutuelle B", "country": "FR", "siren": valid_siren(3)}
    return {**data, **overrides}


def test_register_an_organisation(investigator_client):
    response = investigator_client.post("/organisations/new/", form_data())
    organisation = Organisation.objects.get()
    assert response["Location"] == f"/organisations/{organisation.pk}/"


def test_invalid_siren_is_a_form_error_naming_the_check(investigator_client):
    response = investigator_client.post("/organisations/new/", form_data(siren="732829321"))
    assert response.status_code == 200
    assert "clé de contrôle" in response.content.decode()
    assert not Organisation.objects.exists()


def test_duplicate_siren_links_to_the_existing_one(investigator_client):
    existing = make_organisation("Mutuelle A", "732829320")
    response = investigator_client.post("/organisations/new/", form_data(siren="732829320"))
    assert response.status_code == 200
    assert f'href="/organisations/{existing.pk}/"' in response.content.decode()
    assert Organisation.objects.count() == 1


def test_detail_shows_both_directions(investigator_client):
    controller = make_organisation("Mutuelle", valid_siren(1))
    operator = make_organisation("Opérateur", valid_siren(2))
    host = make_organisation("Hébergeur", valid_siren(3))
    relationship_record(actor=None, kind="processing", client=controller, provider=operator, processing="tiers payant")
    relationship_record(actor=None, kind="sub_processing", client=operator, provider=host, processing="tiers payant")
    page = investigator_client.get(f"/organisations/{operator.pk}/").content.decode()
    serves = page.split('id="serves"')[1].split("</ul>")[0]
    uses = page.split('id="uses"')[1].split("</ul>")[0]
    assert "Mutuelle" in serves
    assert "Hébergeur" in uses


def test_relationship_with_itself_is_a_form_error(investigator_client):
    a = make_organisation("A", valid_siren(1))
    response = investigator_client.post(
        "/organisations/relationships/new/",
        {"kind": "processing", "client": a.pk, "provider": a.pk, "processing": "p"},
    )
    assert response.status_code == 200
    assert "à lui-même" in response.content.decode()


def test_list_pages_with_a_cursor_and_ignores_a_forged_one(investigator_client, django_assert_max_num_queries):
    for i in range(60):
        make_organisation(f"Organisme {i:02d}", valid_siren(i + 10))
    with django_assert_max_num_queries(8):
        first = investigator_client.get("/organisations/")
    page = first.content.decode()
    assert "Organisme 49" in page
    assert "Organisme 50" not in page
    cursor = page.split("after=")[1].split('"')[0]
    second = investigator_client.get(f"/organisations/?after={cursor}").content.decode()
    assert "Organisme 50" in second
    assert "Organisme 49" not in second
    assert investigator_client.get("/organisations/?after=!!!not-base64").status_code == 200
