"""The dashboard's refresh task (beat: every ``DASHBOARD_REFRESH_MINUTES``; also the last demo step)."""

from celery import shared_task

from . import stats_refresh


@shared_task(name="apps.dashboards.tasks_stats.refresh_dashboard_stats")
def refresh_dashboard_stats() -> dict:
    snapshot = stats_refresh.refresh()
    return {"refreshed_at": snapshot.refreshed_at.isoformat(), "cells": snapshot.cells, "seconds": snapshot.seconds}


def seed_dashboard_stats() -> str:
    """Demo step: the demo's dashboard shows figures at once instead of waiting for the beat."""
    snapshot = stats_refresh.refresh()
    return f"{snapshot.cells} figures computed"
