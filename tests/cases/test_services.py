import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services
from apps.cases.models import Case, Complainant, Party
from apps.cases.permissions import case_get_for_user
from apps.organisations.services import relationship_record
from tests.support import make_organisation, valid_siren

pytestmark = pytest.mark.django_db


def actions_for(case):
    return list(AuditEvent.objects.filter(case_id=case.pk).order_by("seq").values_list("action", flat=True))


def test_reference_is_per_paris_year_and_sequential(investigator):
    first = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="a")
    second = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="b")
    year = timezone.localdate().year
    assert first.reference == f"{year}-000001"
    assert second.reference == f"{year}-000002"


def test_open_writes_history_audit_and_puts_the_opener_on_the_team(investigator, case):
    assert case.history.count() >= 1
    assert actions_for(case)[:2] == [AuditAction.CASE_OPENED, AuditAction.CASE_ASSIGNED]
    assert services.case_team(case) == [investigator]
    assert case.lead_investigator == investigator


def test_a_complaint_needs_its_complainant_and_keeps_it(investigator):
    with pytest.raises(ValidationError):
        services.case_open(actor=investigator, origin="complaint", legal_regime="gdpr", title="Plainte")
    assert not Case.objects.exists()
    case = services.case_open(
        actor=investigator,
        origin="complaint",
        legal_regime="gdpr",
        title="Plainte",
        complainant={"full_name": "Jeanne Plaignante", "email": "jeanne@example.org"},
    )
    assert Complainant.objects.get(case=case).full_name == "Jeanne Plaignante"
    # The complainant's identity is never written to the audit log, which organisations may see later.
    assert "Jeanne" not in str(list(AuditEvent.objects.values_list("summary", "data")))


def test_parties_added_and_removed_with_history_and_audit(investigator, case):
    org = make_organisation("Mutuelle", valid_siren(1))
    party = services.party_add(actor=investigator, case=case, organisation=org, role="controller", processing="tp")
    with pytest.raises(ValidationError):
        services.party_add(actor=investigator, case=case, organisation=org, role="controller", processing="TP")
    party_pk = party.pk
    services.party_remove(actor=investigator, party=party)
    assert not Party.objects.exists()
    assert list(Party.history.filter(id=party_pk).values_list("history_type", flat=True)) == ["-", "+"]
    assert actions_for(case)[-2:] == [AuditAction.PARTY_ADDED, AuditAction.PARTY_REMOVED]


def test_fan_out_opens_one_linked_case_per_controller_and_is_idempotent(investigator, incident):
    case, operator, insurers = incident
    opened = services.case_fan_out(actor=investigator, case=case)
    assert len(opened) == 3
    for linked in opened:
        assert linked.origin_case == case
        assert linked.health_data is True
        roles = set(linked.parties.values_list("organisation__legal_name", "role"))
        assert ("Opérateur TP", "processor") in roles
    assert {p.organisation for c in opened for p in c.parties.filter(role="controller")} == set(insurers)
    # Again: nothing new. A new controller: only it.
    assert services.case_fan_out(actor=investigator, case=case) == []
    newcomer = make_organisation("Mutuelle nouvelle", valid_siren(9))
    relationship_record(actor=None, kind="processing", client=newcomer, provider=operator, processing="tiers payant")
    again = services.case_fan_out(actor=investigator, case=case)
    assert [c.parties.get(role="controller").organisation for c in again] == [newcomer]
    assert actions_for(case).count(AuditAction.CASE_FANNED_OUT) == 3


def test_fan_out_goes_one_level_deep_only(investigator, incident):
    case, _operator, _insurers = incident
    linked = services.case_fan_out(actor=investigator, case=case)[0]
    with pytest.raises(ValidationError):
        services.case_fan_out(actor=investigator, case=linked)


def test_assignment_grants_and_revokes_team_permissions(manager, investigator, outsider, legal, case):
    services.case_assign(actor=manager, case=case, lead=outsider, team=[outsider, legal])
    assert {u.pk for u in services.case_team(case)} == {outsider.pk, legal.pk}
    assert Case.objects.get(pk=case.pk).lead_investigator == outsider
    recorded = actions_for(case)
    assert recorded.count(AuditAction.CASE_UNASSIGNED) == 1
    assert recorded.count(AuditAction.CASE_ASSIGNED) == 3  # opener, then outsider and legal
    with pytest.raises(ValidationError):
        services.case_assign(actor=manager, case=case, lead=None, team=[manager])


def test_update_records_changed_fields(investigator, case):
    services.case_update(actor=investigator, case=case, title="Nouveau titre", priority="high")
    event = AuditEvent.objects.filter(action=AuditAction.CASE_CHANGED).get()
    assert event.data["fields"] == ["priority", "title"]
    assert Case.objects.get(pk=case.pk).history.first().title == "Nouveau titre"


def test_visibility_rules(investigator, outsider, manager, legal, case):
    restricted = services.case_open(
        actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Secret", confidentiality="restricted"
    )
    for user in (investigator, outsider, manager, legal):
        assert case_get_for_user(user, case.pk) == case
    for user in (investigator, manager):
        assert case_get_for_user(user, restricted.pk) == restricted
        assert case_get_for_user(user, case.pk, "change") == case
    for user in (outsider, legal):
        with pytest.raises(Http404):
            case_get_for_user(user, restricted.pk)
        with pytest.raises(Http404):
            case_get_for_user(user, case.pk, "change")
    with pytest.raises(Http404):
        case_get_for_user(investigator, case.pk, "assign")
    with pytest.raises(Http404):
        case_get_for_user(investigator, "not-a-number")
