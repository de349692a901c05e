import pytest
from django.core.exceptions import ValidationError

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.organisations import services
from apps.organisations.models import Organisation
from tests.support import make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_staff("agent@cnil.test")


def test_create_normalises_siren_writes_history_and_audit(agent):
    organisation = services.organisation_create(actor=agent, legal_name="Mutuelle A", country="FR", siren="732 829 320")
    assert organisation.siren == "732829320"
    assert organisation.history.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.ORGANISATION_CREATED)
    assert (event.actor_id, event.object_id) == (agent.pk, str(organisation.pk))


@pytest.mark.parametrize(
    ("siren", "message"),
    [("732829321", "Luhn"), ("12345", "9 chiffres"), ("73282932A", "chiffres")],
)
def test_invalid_siren_is_refused_naming_the_check(agent, siren, message):
    with pytest.raises(ValidationError) as info:
        services.organisation_create(actor=agent, legal_name="X", country="FR", siren=siren)
    assert message in " ".join(info.value.messages)
    assert not Organisation.objects.exists()


def test_duplicate_siren_names_the_existing_organisation(agent):
    existing = make_organisation("Mutuelle A", "732829320")
    with pytest.raises(services.DuplicateSiren) as info:
        services.organisation_create(actor=agent, legal_name="Copy", country="FR", siren="732829320")
    assert info.value.existing == existing
    assert Organisation.objects.count() == 1


def test_french_organisation_needs_a_siren(agent):
    with pytest.raises(ValidationError):
        services.organisation_create(actor=agent, legal_name="Sans SIREN", country="FR")
    assert services.organisation_create(actor=agent, legal_name="GmbH", country="DE").siren == ""


def test_update_lists_changed_fields_in_audit(agent):
    organisation = make_organisation("Mutuelle A", "732829320")
    services.organisation_update(actor=agent, organisation=organisation, legal_name="Mutuelle A+", dpo_name="D. P.")
    event = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_CHANGED).get()
    assert event.data["fields"] == ["dpo_name", "legal_name"]
    assert organisation.history.count() == 2


def test_siret_must_be_valid_and_start_with_the_siren(agent):
    organisation = make_organisation("Mutuelle A", "732829320")
    with pytest.raises(ValidationError):
        services.establishment_add(actor=agent, organisation=organisation, siret="73282932000075")
    with pytest.raises(ValidationError):
        services.establishment_add(actor=agent, organisation=organisation, siret="55208131766522")
    establishment = services.establishment_add(actor=agent, organisation=organisation, siret="732 829 320 00074")
    assert establishment.siret == "73282932000074"


def test_relationship_to_itself_is_refused(agent):
    a = make_organisation("A", valid_siren(1))
    with pytest.raises(ValidationError, match=r"itself|lui-même"):
        services.relationship_record(actor=agent, kind="processing", client=a, provider=a, processing="p")


def test_sub_processing_cycle_is_refused(agent):
    x, y, z = (make_organisation(name, valid_siren(i)) for i, name in enumerate("XYZ", start=1))
    first = services.relationship_record(actor=agent, kind="processing", client=x, provider=y, processing="claims")
    assert first.history.count() == 1
    services.relationship_record(actor=agent, kind="sub_processing", client=y, provider=z, processing="claims")
    with pytest.raises(ValidationError):
        services.relationship_record(actor=agent, kind="sub_processing", client=z, provider=y, processing="claims")
    # Another processing is another graph.
    services.relationship_record(actor=agent, kind="sub_processing", client=z, provider=y, processing="billing")
    assert AuditEvent.objects.filter(action=AuditAction.RELATIONSHIP_RECORDED).count() == 3


def test_group_cannot_contain_itself(agent):
    parent = make_organisation("Groupe", valid_siren(1))
    child = make_organisation("Filiale", valid_siren(2), parent=parent)
    with pytest.raises(ValidationError):
        services.organisation_update(actor=agent, organisation=parent, parent=child)
