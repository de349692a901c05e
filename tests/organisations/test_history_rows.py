"""Issue 10, history tables do not bloat: each service of organisations, establishments and processing
relationships writes one history version per object it changes (the check and the shared state:
tests/history_rows.py)."""

import pytest

from apps.organisations import services as organisation_services
from tests.history_rows import Scenarios, check, siret
from tests.support import make_organisation, valid_siren

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("organisation_create")
def _(w):
    return lambda: make_organisation("Clinique du Parc", valid_siren(21)), {"Organisation": 1}


@SCENARIOS.add("organisation_update")
def _(w):
    w.ready("organisation")
    return lambda: organisation_services.organisation_update(
        actor=w.agent, organisation=w.organisation, legal_name="Mutuelle Démo SA"
    ), {"Organisation": 1}


@SCENARIOS.add("establishment_add")
def _(w):
    w.ready("organisation")
    return lambda: organisation_services.establishment_add(
        actor=w.agent, organisation=w.organisation, siret=siret(w.organisation.siren), label="Siège"
    ), {"Establishment": 1}


@SCENARIOS.add("relationship_record")
def _(w):
    w.ready("organisation")
    provider = make_organisation("Hébergeur", valid_siren(22))
    return lambda: organisation_services.relationship_record(
        actor=w.agent, kind="processing", client=w.organisation, provider=provider, processing="hébergement"
    ), {"ProcessingRelationship": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
