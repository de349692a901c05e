import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import User
from apps.audit.verify import verify_chain
from apps.breaches.models import BreachNotification
from apps.cases.models import Case
from apps.controls.models import Control
from apps.organisations.models import Organisation, ProcessingRelationship

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_its_printed_codes_log_in(capsys):
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")
    output = capsys.readouterr().out
    assert User.objects.filter(email__endswith="@demo.cnil.fr").count() == 6
    line = next(line for line in output.splitlines() if line.strip().startswith("manager@demo.cnil.fr"))
    code = line.split("code now ")[1].split()[0]
    client = Client()
    client.post("/accounts/login/", {"username": "manager@demo.cnil.fr", "password": DEMO_PASSWORD})
    assert client.post("/accounts/2fa/verify/", {"otp_token": code}).status_code == 302
    assert client.get("/").status_code == 200


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_builds_the_tiers_payant_scenario_once():
    call_command("seed_demo", "--force")
    counts = (Case.objects.count(), Organisation.objects.count(), Control.objects.count())
    call_command("seed_demo", "--force")
    assert (Case.objects.count(), Organisation.objects.count(), Control.objects.count()) == counts
    assert Organisation.objects.filter(legal_name__in=["Viamedis", "Almerys"]).count() == 2
    assert ProcessingRelationship.objects.count() >= 12
    incidents = Case.objects.filter(origin_case=None, title__startswith="Violation")
    assert incidents.count() == 2
    assert Case.objects.filter(origin_case__in=incidents).count() >= 12
    assert Case.objects.filter(confidentiality="restricted").count() == 1
    assert Case.objects.filter(origin="complaint").count() == 1
    assert len(set(Case.objects.values_list("status", flat=True))) >= 5
    assert Control.objects.filter(kind="on_site").exists()
    notifications = list(BreachNotification.objects.all())
    assert any(n.is_late for n in notifications)
    assert any(not n.is_late for n in notifications)
    assert verify_chain().ok
