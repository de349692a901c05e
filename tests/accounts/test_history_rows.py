"""Issue 10, history tables do not bloat: each service of staff accounts writes one history version per
object it changes (the check and the shared state: tests/history_rows.py)."""

import pytest

from apps.accounts import services as account_services
from tests.history_rows import Scenarios, check
from tests.support import PASSWORD

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("user_create")
def _(w):
    return lambda: account_services.user_create(
        actor=None, email="new@cnil.test", full_name="Nouvel Agent", password=PASSWORD, roles=("investigator",)
    ), {"User": 1}


@SCENARIOS.add("user_set_roles")
def _(w):
    w.ready("manager")
    return lambda: account_services.user_set_roles(actor=w.manager, user=w.agent, roles=("investigator", "legal")), {}


@SCENARIOS.add("user_update")
def _(w):
    w.ready("manager")
    return lambda: account_services.user_update(
        actor=w.manager, user=w.agent, full_name="Inès Leroy-Martin", email="ines@cnil.test"
    ), {"User": 1}


@SCENARIOS.add("user_deactivate")
def _(w):
    w.ready("manager", "colleague")
    return lambda: account_services.user_deactivate(actor=w.manager, user=w.colleague), {"User": 1}


@SCENARIOS.add("user_reactivate")
def _(w):
    account_services.user_deactivate(actor=w.manager, user=w.colleague)
    return lambda: account_services.user_reactivate(actor=w.manager, user=w.colleague), {"User": 1}


@SCENARIOS.add("password_change")
def _(w):
    # The password is kept out of the account's history: its change is an audit event, not a version.
    return lambda: account_services.password_change(actor=w.agent, new_password=PASSWORD + "!"), {}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
