"""Issue 10, history tables do not bloat: each service of evidence writes one history version per
object it changes (the check and the shared state: tests/history_rows.py)."""

import pytest

from apps.evidence import services as evidence_services
from tests.history_rows import Scenarios, check, upload

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("evidence_register")
def _(w):
    case = w.case
    return lambda: evidence_services.evidence_register(
        actor=w.agent, case=case, upload=upload("pv"), title="PV", source="on_site"
    ), {"Evidence": 1}


@SCENARIOS.add("evidence_register (with parties)")
def _(w):
    case, party = w.case, w.party
    # One "created" version whose snapshot holds its parties, not a second one for them.
    return lambda: evidence_services.evidence_register(
        actor=w.agent, case=case, upload=upload("pv"), title="PV", source="on_site", parties=[party]
    ), {"Evidence": 1}


@SCENARIOS.add("evidence_update")
def _(w):
    evidence = w.evidence("PV")
    return lambda: evidence_services.evidence_update(actor=w.agent, evidence=evidence, title="PV de contrôle"), {
        "Evidence": 1
    }


@SCENARIOS.add("evidence_transfer")
def _(w):
    evidence = w.evidence("PV")
    return lambda: evidence_services.evidence_transfer(
        actor=w.agent, evidence=evidence, recipient="Parquet", reason="Réquisition"
    ), {}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
