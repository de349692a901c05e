"""The dashboard's figures are refreshed by a Celery task on beat, and at the end of the demo."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.utils import timezone

from apps.core.registry import demo_seeders
from apps.dashboards.stats_models import StatCell, StatSnapshot
from apps.dashboards.tasks_stats import refresh_dashboard_stats
from cnilcase.celery import app as celery_app
from tests.dashboards import dash_data as data
from tests.support import make_staff

pytestmark = pytest.mark.django_db


def test_the_task_is_on_beat_and_is_the_last_demo_step_but_the_audit():
    entry = django_settings.CELERY_BEAT_SCHEDULE["dashboard-stats"]
    assert entry["task"] == refresh_dashboard_stats.name
    names = [name for name, _step in demo_seeders]
    assert names[-2:] == ["dashboard_stats", "audit"]


def test_the_demo_step_fills_the_dashboard():
    claire = make_staff("claire@cnil.test", roles=("manager",))
    data.case(claire, opened_at=timezone.now())
    step = dict(demo_seeders)["dashboard_stats"]
    summary = step()
    assert StatCell.objects.filter(metric="opened").exists()
    assert summary == f"{StatCell.objects.count()} figures computed"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_the_figures(settings):
    claire = make_staff("claire@cnil.test", roles=("manager",))
    data.case(claire, opened_at=timezone.now())
    done = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == refresh_dashboard_stats.name:
            done.set()

    task_postrun.connect(on_done, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            refresh_dashboard_stats.delay()
            assert done.wait(30)
    finally:
        task_postrun.disconnect(on_done)
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert StatSnapshot.objects.get().cells == StatCell.objects.count() > 0
