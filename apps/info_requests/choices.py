from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PortalRole(models.TextChoices):
    """What the person invited does for the organisation (shown to the case team, grants nothing more)."""

    DPO = "dpo", _("Data protection officer")
    COUNSEL = "counsel", _("Counsel")
    SECURITY = "security", _("Security officer")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    """A request for information: drafted, sent, answered (in part or in full by submissions), closed."""

    DRAFT = "draft", pgettext_lazy("request status", "Draft")
    SENT = "sent", pgettext_lazy("request status", "Sent")
    PARTIALLY_ANSWERED = "partially_answered", pgettext_lazy("request status", "Partially answered")
    ANSWERED = "answered", pgettext_lazy("request status", "Answered")
    CLOSED = "closed", pgettext_lazy("request status", "Closed")


# Statuses in which the organisation may still answer (a supplementary submission completes an answer).
ANSWERABLE = (RequestStatus.SENT, RequestStatus.PARTIALLY_ANSWERED, RequestStatus.ANSWERED)
# What the organisation sees: everything once sent, never a draft.
VISIBLE_TO_ORGANISATION = (*ANSWERABLE, RequestStatus.CLOSED)

# The allowed transitions of a request (only the services change its status).
TRANSITIONS = {
    RequestStatus.DRAFT: {RequestStatus.SENT},
    RequestStatus.SENT: {RequestStatus.PARTIALLY_ANSWERED, RequestStatus.ANSWERED, RequestStatus.CLOSED},
    RequestStatus.PARTIALLY_ANSWERED: {RequestStatus.PARTIALLY_ANSWERED, RequestStatus.ANSWERED, RequestStatus.CLOSED},
    RequestStatus.ANSWERED: {RequestStatus.ANSWERED, RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}


class Expects(models.TextChoices):
    """What a question expects in answer."""

    TEXT = "text", _("A text answer")
    DOCUMENTS = "documents", _("Documents")
    BOTH = "both", _("A text answer and documents")


class SubmissionStatus(models.TextChoices):
    """A submission is a draft until submitted; a submitted one is final (never edited)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
