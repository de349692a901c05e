from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceSource(models.TextChoices):
    ON_SITE = "on_site", _("On-site control")
    DOCUMENTARY = "documentary", _("Documentary control")
    HEARING = "hearing", _("Hearing")
    ONLINE = "online", _("Online control")
    ORGANISATION = "organisation", _("Organisation submission")
    PUBLIC = "public", _("Public source")
    CNIL = "cnil", _("Drawn up by the CNIL")


class CustodyKind(models.TextChoices):
    """ISO/IEC 27037: acquisition, then every access and transfer."""

    REGISTERED = "registered", _("Registered")
    DOWNLOADED = "downloaded", _("Downloaded")
    TRANSFERRED = "transferred", _("Transferred")
    EXPORTED = "exported", _("Exported")
    VERIFIED = "verified", _("Integrity verified")


class ExtractionStatus(models.TextChoices):
    """Where the text of a stored file stands for search: waiting, read, unreadable or not a text format."""

    PENDING = "pending", _("Text extraction pending")
    DONE = "done", _("Text extracted")
    FAILED = "failed", _("Text extraction failed")
    UNSUPPORTED = "unsupported", _("No text extracted from this type of file")
