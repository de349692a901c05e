"""The investigator's home panels: my cases, my deadlines, recent answers, integrity alerts.

Registered into ``core.registry.home_panels`` (``accounts`` renders them without importing us).
"My cases" are the cases the user leads or is on the team of (the ``change_case`` object
permission ``case_assign`` grants). Each panel is one or two queries whatever the data, limited to
the newest few rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.cases.models import Case
from apps.cases.permissions import team_case_ids
from apps.core.registry import Tab, home_panels
from apps.deadlines.models import Deadline
from apps.evidence.models import Evidence, IntegrityAlert
from apps.info_requests.choices import SubmissionStatus
from apps.info_requests.models import Submission

from .stats import OUTSTANDING

LIMIT = 10
RECENT_ANSWERS = timedelta(days=30)
UPCOMING = timedelta(days=30)


def my_cases(user):
    """The cases ``user`` leads or is on the team of (a queryset, for subqueries): their ids from the
    permissions and lead indexes, not a test of every case (a million at the scale benchmark)."""
    led = Case.objects.filter(lead_investigator=user).order_by().values("pk")
    # No ORDER BY inside the union (the models' default ordering): SQLite refuses it there.
    return Case.objects.filter(pk__in=team_case_ids(user).order_by().union(led))


def cases_context(user, request) -> dict:
    cases = my_cases(user).open().select_related("lead_investigator").order_by("-last_activity_at", "-id")
    rows = list(cases[: LIMIT + 1])
    return {"cases": rows[:LIMIT], "more": len(rows) > LIMIT}


def deadlines_context(user, request) -> dict:
    now = timezone.now()
    mine = Deadline.objects.filter(status__in=OUTSTANDING, case__in=my_cases(user).values("pk")).select_related("case")
    overdue = list(mine.filter(due_at__lt=now).order_by("due_at", "id")[:LIMIT])
    upcoming = list(mine.filter(due_at__gte=now, due_at__lt=now + UPCOMING).order_by("due_at", "id")[:LIMIT])
    return {"overdue": overdue, "upcoming": upcoming}


def answers_context(user, request) -> dict:
    since = timezone.now() - RECENT_ANSWERS
    answers = (
        Submission.objects.filter(
            status=SubmissionStatus.SUBMITTED,
            submitted_at__gte=since,
            request__case__in=my_cases(user).values("pk"),
        )
        .select_related("request", "request__case", "organisation")
        .order_by("-submitted_at", "-id")[:LIMIT]
    )
    return {"answers": list(answers)}


def alerts_context(user, request) -> dict:
    on_my_cases = Evidence.objects.filter(blob=OuterRef("blob_id"), case__in=my_cases(user).values("pk"))
    alerts = list(
        IntegrityAlert.objects.filter(Exists(on_my_cases))
        .select_related("blob")
        .order_by("-detected_at", "-id")[:LIMIT]
    )
    evidence: dict[int, list] = {}
    if alerts:
        for item in (
            Evidence.objects.filter(blob_id__in={a.blob_id for a in alerts}, case__in=my_cases(user).values("pk"))
            .select_related("case")
            .order_by("pk")
        ):
            evidence.setdefault(item.blob_id, []).append(item)
    return {"alerts": [(alert, evidence.get(alert.blob_id, [])) for alert in alerts]}


def is_investigator(user, request) -> bool:
    return Role.INVESTIGATOR in user.roles


def register() -> None:
    for panel in (
        Tab("my-cases", _("My cases"), "dashboards/home_cases.html", cases_context, order=10, visible=is_investigator),
        Tab(
            "my-deadlines",
            _("My deadlines"),
            "dashboards/home_deadlines.html",
            deadlines_context,
            order=20,
            visible=is_investigator,
        ),
        Tab(
            "recent-answers",
            _("Recent answers from organisations"),
            "dashboards/home_answers.html",
            answers_context,
            order=30,
            visible=is_investigator,
        ),
        Tab(
            "integrity-alerts",
            _("Integrity alerts on my cases"),
            "dashboards/home_alerts.html",
            alerts_context,
            order=40,
            visible=is_investigator,
        ),
    ):
        home_panels.register(panel)
