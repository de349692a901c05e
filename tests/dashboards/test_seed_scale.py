"""``seed_scale`` on a small size: what someone using the seeded database notices.

The command loads with COPY on connections of its own, which commit: the world is seeded once for
the module (outside the tests' transactions) and removed at the end, so the tests read it like
any committed data, and what each test writes is rolled back.
"""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.audit.models import AuditChainHead, AuditEvent
from apps.audit.verify import verify_chain
from apps.cases import services as case_services
from apps.cases.models import Case, CaseUserObjectPermission
from apps.cases.permissions import changeable_cases
from apps.evidence.models import Evidence
from apps.info_requests.models import InfoRequest
from apps.info_requests.selectors import portal_requests
from tests.support import audit_protection_bypassed, log_in_verified

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CASES = 300


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The manifest of a 300-case world, seeded once; every seeded table emptied afterwards."""
    manifest_path = tmp_path_factory.mktemp("seed") / "seed_scale.json"
    with django_db_blocker.unblock():
        call_command("seed_scale", cases=CASES, manifest=manifest_path, stdout=StringIO())
        manifest = json.loads(manifest_path.read_text())
        yield manifest
        tables = [*manifest["counts"], "audit_auditchainhead", "cases_casereferencecounter"]
        tables += ["dashboards_statcell", "dashboards_statsnapshot"]
        # The audit log refuses TRUNCATE: the seeded world is removed as its loader wrote it.
        with audit_protection_bypassed(connection) as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _verified(client, user) -> None:
    TOTPDevice.objects.create(user=user, name="seed test", confirmed=True)
    log_in_verified(client, user)


def test_the_investigator_sees_the_cases_of_their_teams(client, seeded):
    investigator = User.objects.get(email=seeded["users"]["investigator"])
    theirs = changeable_cases(investigator)
    assert theirs.count() == seeded["investigator"]["cases"] > 1
    # Every team member holds both permissions case_assign grants; the lead is on the team.
    assert CaseUserObjectPermission.objects.filter(user=investigator).count() == 2 * seeded["investigator"]["cases"]
    assert all(case.lead_investigator_id in {None, investigator.pk} or case.lead_investigator_id for case in theirs)
    _verified(client, investigator)
    page = client.get(f"/cases/?assignee={investigator.pk}").content.decode()
    latest = theirs.order_by("-last_activity_at", "-id").first()
    assert latest.reference in page


def test_the_large_case_page_and_its_timeline_render(client, seeded):
    large = seeded["large_case"]
    assert large["evidence"] >= 20
    assert large["audit_events"] > large["evidence"]
    manager = User.objects.get(email=seeded["users"]["manager"])
    _verified(client, manager)
    detail = client.get("/cases/1/")
    assert detail.status_code == 200
    assert large["reference"] in detail.content.decode()
    timeline = client.get("/cases/1/tab/timeline/")
    assert timeline.status_code == 200
    latest = Evidence.objects.filter(case_id=1).order_by("-registered_at").first()
    assert latest.title.split(" : ")[1] in timeline.content.decode()


def test_the_chain_verifies_and_a_new_case_chains_on_it(seeded):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith(f"OK: {seeded['audit_head']['seq']} events")
    investigator = User.objects.get(email=seeded["users"]["investigator"])
    existing = set(Case.objects.values_list("reference", flat=True))
    case = case_services.case_open(
        actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Contrôle en ligne après l'essai"
    )
    assert re.fullmatch(r"\d{4}-\d{6}", case.reference)
    assert case.reference not in existing
    assert case.pk == seeded["counts"]["cases_case"] + 1  # the sequence continues after the seeded ids
    opened = AuditEvent.objects.filter(case_id=case.pk, action="case_opened").get()
    assert opened.seq == seeded["audit_head"]["seq"] + 1
    assert opened.prev_hash == seeded["audit_head"]["hash"]
    assert AuditChainHead.objects.get().seq > seeded["audit_head"]["seq"]
    result = verify_chain()
    assert result.ok
    assert result.events_checked > seeded["audit_head"]["seq"]


def test_search_finds_generated_evidence_by_a_word_of_its_title(client, seeded):
    manager = User.objects.get(email=seeded["users"]["manager"])
    _verified(client, manager)
    word = seeded["search_words"][0]
    # Typed without its accent, as people do: the cnil_fr configuration unaccents.
    page = client.get("/search/", {"q": word.replace("é", "e")}).content.decode()
    found = list(Evidence.objects.filter(title__contains=word).values_list("pk", flat=True))
    assert found
    assert any(f"/evidence/{pk}/" in page for pk in found)


def test_a_portal_user_sees_only_the_requests_of_its_organisation(client, seeded):
    portal = User.objects.get(email=seeded["users"]["portal"])
    organisation = seeded["portal_user"]["organisation_id"]
    mine = list(portal_requests(portal))
    assert len(mine) == seeded["portal_user"]["requests"] > 0
    assert {request.organisation_id for request in mine} == {organisation}
    others = InfoRequest.objects.exclude(organisation_id=organisation).exclude(sent_at=None)
    assert others.exists()
    _verified(client, portal)
    page = client.get("/portal/").content.decode()
    assert all(f"/portal/requests/{request.pk}/" in page for request in mine)
    assert not any(f"/portal/requests/{request.pk}/" in page for request in others)


def test_it_refuses_a_database_that_already_holds_cases(seeded, tmp_path):
    with pytest.raises(CommandError, match="already holds cases"):
        call_command("seed_scale", cases=CASES, manifest=tmp_path / "again.json", stdout=StringIO())
