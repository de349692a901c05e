"""Requests for information to an organisation, its portal users, their answers, receipts and messages.

Every row that an organisation may reach carries the ``organisation`` column (denormalised from
the party), so that every portal query filters on it first (STYLE.md, "Permissions").
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.cases.models import Case, Party
from apps.core.history import CaseHistory
from apps.deadlines.models import Deadline, DeadlineStatus
from apps.evidence.models import Blob, Evidence
from apps.organisations.models import Organisation

from .choices import Expects, PortalRole, RequestStatus, SubmissionStatus

REQUEST_OBJECT_TYPE = "info_requests.inforequest"
PENDING_DEADLINE = (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED)


class PortalAccess(models.Model):
    """A person's right to act for a party's organisation on one case, through the portal.

    A portal user acts for exactly one organisation (``portal_invite`` refuses another); counsel
    for several organisations gets one login per organisation. Revoking sets ``revoked_at``:
    the row stays, as the record of who could see what and when.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_accesses", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="portal_accesses", verbose_name=_("organisation")
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="portal_accesses", verbose_name=_("case"))
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="portal_accesses", verbose_name=_("party"))
    role = models.CharField(_("role"), max_length=20, choices=PortalRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    history = CaseHistory(
        case="case", no_db_index=["id", "user", "organisation", "party", "invited_by", "revoked_by", "case"]
    )

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal accesses")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "party"], condition=Q(revoked_at__isnull=True), name="portal_access_one_active"
            )
        ]
        indexes = [models.Index(fields=["organisation", "user", "case"], name="portal_access_scope_idx")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(models.Model):
    """A single-use link to set a password, valid 7 days; only the SHA-256 of its token is stored."""

    access = models.ForeignKey(PortalAccess, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords(no_db_index=["id", "token_hash", "access", "created_by"])

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation {self.pk} for access {self.access_id}"


def _deadline_of_request(field: str):
    return Subquery(
        Deadline.objects.filter(object_type=REQUEST_OBJECT_TYPE, object_id=Cast(OuterRef("pk"), models.CharField()))
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


class InfoRequestQuerySet(models.QuerySet):
    def with_deadline(self):
        """Annotate ``due_at`` and ``deadline_status`` from the request's deadline (what ``overdue`` reads)."""
        return self.annotate(due_at=_deadline_of_request("due_at"), deadline_status=_deadline_of_request("status"))

    def overdue(self, *, on=None):
        """Sent, not closed, and its answer deadline passed unmet."""
        on = on or timezone.now()
        late = Deadline.objects.filter(
            object_type=REQUEST_OBJECT_TYPE, object_id=Cast(OuterRef("pk"), models.CharField())
        ).filter(Q(status__in=PENDING_DEADLINE, due_at__lt=on) | Q(status=DeadlineStatus.MISSED))
        return self.exclude(status__in=[RequestStatus.DRAFT, RequestStatus.CLOSED]).filter(Exists(late))


class InfoRequest(models.Model):
    """A request for information (letter and questionnaire) to one party of a case: an ordinary letter,
    not a formal delivery. Copies sent together to several parties share a ``batch`` and are isolated.

    The answer is due ``period_days`` from sending (deadline rule "document_request": documentary
    control, as set in the letter). Status changes only through ``services``.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="info_requests", verbose_name=_("case"))
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="info_requests", verbose_name=_("party"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="info_requests", verbose_name=_("organisation")
    )
    batch = models.UUIDField(_("batch"), default=uuid.uuid4)
    subject = models.CharField(_("subject"), max_length=255)
    letter = models.TextField(_("letter"))
    period_days = models.PositiveSmallIntegerField(_("period to answer (days)"))
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "party", "organisation", "created_by", "case"])
    objects = InfoRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="info_request_org_status_idx"),
            models.Index(fields=["case", "-created_at"], name="info_request_case_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(period_days__gte=1), name="info_request_period_positive")]

    def __str__(self) -> str:
        return f"{self.subject} — {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("info_requests:detail", args=[self.case_id, self.pk])

    @property
    def overdue(self) -> bool:
        """From the annotations of ``with_deadline()`` when present, else one query."""
        if self.status in (RequestStatus.DRAFT, RequestStatus.CLOSED):
            return False
        if not hasattr(self, "deadline_status"):
            deadline = (
                Deadline.objects.filter(object_type=REQUEST_OBJECT_TYPE, object_id=str(self.pk))
                .order_by("-created_at", "-id")
                .first()
            )
            self.deadline_status = deadline.status if deadline else None
            self.due_at = deadline.due_at if deadline else None
        if self.deadline_status == DeadlineStatus.MISSED:
            return True
        return self.deadline_status in PENDING_DEADLINE and self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_answerable(self) -> bool:
        return self.status in (RequestStatus.SENT, RequestStatus.PARTIALLY_ANSWERED, RequestStatus.ANSWERED)


class Question(models.Model):
    """One question of a request, expecting a text answer, documents, or both."""

    request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("question"))
    expects = models.CharField(_("expects"), max_length=10, choices=Expects.choices, default=Expects.TEXT)

    history = CaseHistory(no_db_index=["id"])

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="question_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:60]}"

    @property
    def wants_text(self) -> bool:
        return self.expects in (Expects.TEXT, Expects.BOTH)

    @property
    def wants_documents(self) -> bool:
        return self.expects in (Expects.DOCUMENTS, Expects.BOTH)


class Submission(models.Model):
    """The organisation's answer to a request: a draft, then submitted once and final.

    Numbered 1, 2… per request (a supplementary submission is the next number); at most one draft
    per request. Submitting issues the receipt: ``receipt_payload`` is the canonical content
    (RFC 8785 JSON) whose SHA-256 is ``receipt_sha256``.
    """

    request = models.ForeignKey(InfoRequest, on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True, null=True, blank=True)
    receipt_sha256 = models.CharField(_("receipt SHA-256"), max_length=64, blank=True)
    receipt_payload = models.JSONField(_("receipt content"), null=True, blank=True)

    history = CaseHistory(no_db_index=["id", "receipt_number", "organisation", "created_by", "submitted_by"])

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="submission_number_unique"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status=SubmissionStatus.DRAFT), name="submission_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status=SubmissionStatus.DRAFT)
                | Q(submitted_at__isnull=False, receipt_number__isnull=False),
                name="submission_submitted_has_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"{self.request_id}/{self.number} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("info_requests:detail", args=[self.request.case_id, self.request_id]) + f"#submission-{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == SubmissionStatus.DRAFT


class Answer(models.Model):
    """The text answer to one question, in one submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("answer"))

    history = CaseHistory(no_db_index=["id", "question"])

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question__position", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"{self.submission_id}/{self.question_id}"


class AnswerFile(models.Model):
    """A document uploaded to a question: stored by SHA-256 while in a draft, registered as evidence of
    the case (source "organisation submission") when the submission is submitted."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    media_type = models.CharField(_("media type"), max_length=120)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("evidence item")
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = CaseHistory(no_db_index=["id", "question", "blob", "evidence", "uploaded_by"])

    class Meta:
        verbose_name = _("answer document")
        verbose_name_plural = _("answer documents")
        ordering = ["question__position", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_filename


class Message(models.Model):
    """A message of a request's thread between the organisation and the case team (text only; it is not
    a formal delivery)."""

    request = models.ForeignKey(InfoRequest, on_delete=models.PROTECT, related_name="messages")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_organisation = models.BooleanField(_("from the organisation"))
    text = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    history = CaseHistory(no_db_index=["id", "organisation", "author"])

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.text[:60]}"


class ReceiptCounter(models.Model):
    """Last receipt number given per Europe/Paris year; locked while a submission is submitted."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
