"""Issue 10, history tables do not bloat: each service of cases, their parties, team and procedure
writes one history version per object it changes (the check and the shared state:
tests/history_rows.py)."""

import pytest

from apps.cases import services as case_services
from apps.organisations import services as organisation_services
from tests.history_rows import Scenarios, check
from tests.support import make_organisation, valid_siren

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()
CLOSING = {"deciding_body": "president", "decision_reference": "DEC-2025-1"}


@SCENARIOS.add("case_open")
def _(w):
    # The investigator who opens it leads it: one version, not a second one for the lead.
    return lambda: case_services.case_open(
        actor=w.agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle en ligne"
    ), {"Case": 1}


@SCENARIOS.add("case_open (complaint)")
def _(w):
    return lambda: case_services.case_open(
        actor=w.agent,
        origin="complaint",
        legal_regime="gdpr",
        title="Plainte",
        complainant={"full_name": "Jeanne Martin", "email": "jeanne@example.org"},
    ), {"Case": 1, "Complainant": 1, "Deadline": 1}


@SCENARIOS.add("case_update")
def _(w):
    w.ready("case")
    return lambda: case_services.case_update(actor=w.agent, case=w.case, title="Contrôle RGPD", priority="high"), {
        "Case": 1
    }


@SCENARIOS.add("case_assign")
def _(w):
    w.ready("manager", "colleague")
    case = w.case
    return lambda: case_services.case_assign(
        actor=w.manager, case=case, lead=w.colleague, team=[w.agent, w.colleague]
    ), {"Case": 1}


@SCENARIOS.add("case_transition")
def _(w):
    case = w.case
    return lambda: case_services.case_transition(
        actor=w.agent, case=case, to_status="closed", reason="Rien à reprocher", **CLOSING
    ), {"Case": 1}


@SCENARIOS.add("case_transition (closing, open deadlines cancelled)")
def _(w):
    case, _deadline = w.case, w.deadline()
    return lambda: case_services.case_transition(
        actor=w.agent, case=case, to_status="closed", reason="Sans suite", **CLOSING
    ), {
        "Case": 1,
        "Deadline": 1,
    }


@SCENARIOS.add("party_add")
def _(w):
    case, organisation = w.case, w.organisation
    return lambda: case_services.party_add(
        actor=w.agent, case=case, organisation=organisation, role="controller", processing="tp"
    ), {"Party": 1}


@SCENARIOS.add("party_remove")
def _(w):
    party = w.party
    return lambda: case_services.party_remove(actor=w.agent, party=party), {"Party": 1}


@SCENARIOS.add("case_fan_out")
def _(w):
    operator = make_organisation("Opérateur TP", valid_siren(1))
    for n in (2, 3):
        organisation_services.relationship_record(
            actor=None,
            kind="processing",
            client=make_organisation(f"Mutuelle {n}", valid_siren(n)),
            provider=operator,
            processing="tiers payant",
        )
    case = case_services.case_open(actor=w.agent, origin="breach_notification", legal_regime="gdpr", title="Incident")
    case_services.party_add(actor=w.agent, case=case, organisation=operator, role="processor", processing="tp")
    # Two linked cases, each with its controller and the processor as parties.
    return lambda: case_services.case_fan_out(actor=w.agent, case=case), {"Case": 2, "Party": 4}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
