from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    STAFF = "staff", _("CNIL staff")
    ORGANISATION = "organisation", _("Organisation user")
    SYSTEM = "system", _("System")


class AuditAction(models.TextChoices):
    """What happened. Codes are stable: they are part of each event's hashed bytes."""

    LOGIN = "login", _("Login")
    LOGOUT = "logout", _("Logout")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Lockout")
    OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
    OTP_FAILED = "otp_failed", _("Second factor refused")
    OTP_VERIFIED = "otp_verified", _("Second factor verified")
    OTP_RESET = "otp_reset", _("Second factor reset")
    RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("Recovery codes generated")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    USER_CREATED = "user_created", _("Account created")
    USER_DEACTIVATED = "user_deactivated", _("Account deactivated")
    USER_REACTIVATED = "user_reactivated", _("Account reactivated")
    CHAIN_VERIFIED = "chain_verified", _("Audit chain verified")
    ORGANISATION_CREATED = "organisation_created", _("Organisation registered")
    ORGANISATION_CHANGED = "organisation_changed", _("Organisation changed")
    RELATIONSHIP_RECORDED = "relationship_recorded", _("Processing relationship recorded")
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_CHANGED = "case_changed", _("Case changed")
    CASE_FANNED_OUT = "case_fanned_out", _("Linked cases opened for the controllers")
    PARTY_ADDED = "party_added", _("Party added")
    PARTY_REMOVED = "party_removed", _("Party removed")
    CASE_ASSIGNED = "case_assigned", _("Case assigned")
    CASE_UNASSIGNED = "case_unassigned", _("Case unassigned")
    CASE_TRANSITIONED = "case_transitioned", _("Case status changed")
    CONTROL_RECORDED = "control_recorded", _("Control recorded")
    CONTROL_CHANGED = "control_changed", _("Control changed")
    EVIDENCE_CUSTODY = "evidence_custody", _("Evidence custody event")
    EVIDENCE_CHANGED = "evidence_changed", _("Evidence description changed")
    DEADLINE_CREATED = "deadline_created", _("Deadline set")
    DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
    DEADLINE_MET = "deadline_met", _("Deadline met")
    DEADLINE_CANCELLED = "deadline_cancelled", _("Deadline cancelled")
    BREACH_NOTIFICATION_RECORDED = "breach_notification_recorded", _("Breach notification recorded")
    BREACH_NOT_NOTIFIED = "breach_not_notified", _("Decision not to notify recorded")
