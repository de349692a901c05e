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
