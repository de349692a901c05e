"""Bad input gets a clear answer (400/404, a form error, a redirect), never a server error."""

import pytest

from tests.accounts.passkey_support import log_in_with_passkey
from tests.support import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    log_in_with_passkey(client, make_staff("admin@cnil.test", roles=("administrator",)))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/user/not-a-number/change/",
        "/admin/accounts/user/%00/change/",
        "/admin/accounts/user/-1/change/",
        "/admin/accounts/user/?p=-5",
        "/admin/accounts/user/?p=abc",
        "/admin/accounts/user/?o=999",
        "/admin/audit/auditevent/?seq__gt=x",
        "/admin/audit/auditevent/?unknown=1",
        "/admin/audit/auditevent/99999999999999999999999/change/",
    ],
)
def test_malformed_admin_input_is_never_a_server_error(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code < 500
    assert not response.get("Location", "").startswith("/accounts/passkeys/")  # the admin answered itself


def test_not_found_page_is_translated_and_does_not_say_why(client):
    make_staff("agent@cnil.test")
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page
    assert "ou vous n’êtes pas autorisé à la voir" in page


def test_oversized_body_is_refused_with_a_clear_status(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/accounts/login/", {"username": "a@b.fr", "password": "x" * 5000})
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
