from django.db import models
from django.utils.translation import gettext_lazy as _


class TimelineKind(models.TextChoices):
    """What a timeline entry is about: the kind filter of the Timeline tab."""

    CASE = "case", _("Case and parties")
    CONTROLS = "controls", _("Controls")
    EVIDENCE = "evidence", _("Evidence and custody")
    BREACHES = "breaches", _("Breach notifications")
    DEADLINES = "deadlines", _("Deadlines")
    OUTCOMES = "outcomes", _("Assessments and formal notices")
    SANCTIONS = "sanctions", _("Sanction procedure")
    REQUESTS = "requests", _("Requests for information")
    AUDIT = "audit", _("Audit log")


class ReportStatus(models.TextChoices):
    """Where a case-file report job stands (``ReportJob``)."""

    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Being drawn up")
    COMPLETED = "completed", _("Ready")
    FAILED = "failed", _("Failed")
