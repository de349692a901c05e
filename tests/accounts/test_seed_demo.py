import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.demo import DEMO_PASSWORD
from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_its_printed_codes_log_in(capsys):
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")
    output = capsys.readouterr().out
    assert User.objects.filter(email__endswith="@demo.cnil.fr").count() == 5
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
