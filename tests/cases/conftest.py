import pytest

from apps.cases import services
from apps.organisations.services import relationship_record
from tests.support import make_organisation, make_staff, valid_siren


@pytest.fixture
def investigator(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def outsider(db):
    return make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")


@pytest.fixture
def manager(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


@pytest.fixture
def legal(db):
    return make_staff("paul@cnil.test", roles=("legal",), full_name="Paul Bernard")


@pytest.fixture
def case(investigator):
    return services.case_open(
        actor=investigator, origin="breach_notification", legal_regime="gdpr", title="Fuite tiers payant"
    )


@pytest.fixture
def incident(investigator):
    """A processor incident: one operator serving three insurers."""
    operator = make_organisation("Opérateur TP", valid_siren(1))
    insurers = [make_organisation(f"Mutuelle {n}", valid_siren(n + 1)) for n in range(1, 4)]
    for insurer in insurers:
        relationship_record(actor=None, kind="processing", client=insurer, provider=operator, processing="tiers payant")
    case = services.case_open(
        actor=investigator, origin="breach_notification", legal_regime="gdpr", title="Incident", health_data=True
    )
    services.party_add(
        actor=investigator, case=case, organisation=operator, role="processor", processing="tiers payant"
    )
    return case, operator, insurers
