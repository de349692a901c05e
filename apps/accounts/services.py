"""Writes on accounts: creation, roles, password, second factor, and the security events.

Every function takes an explicit ``actor`` (``None`` for an anonymous visitor or the system)
and records its audit event in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record

from .choices import Role, UserKind
from .models import User
from .selectors import active_administrators, has_second_factor, may_manage_passkeys, totp_device_for

if TYPE_CHECKING:
    from django_otp.models import Device
    from django_otp_webauthn.helpers import WebAuthnHelper

TOTP_DEVICE_NAME = "totp"
RECOVERY_DEVICE_NAME = "recovery"
PASSKEY_DEVICE_NAME = "passkey"
USER_OBJECT_TYPE = "accounts.user"


def _event(action: str, *, actor: User | None, user: User | None, summary: str, ip: str | None, **data) -> None:
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type=USER_OBJECT_TYPE if user is not None else "",
        object_id=str(user.pk) if user is not None else "",
        data=data,
        ip=ip,
    )


def _forget_cached_roles(user: User) -> None:
    user.__dict__.pop("roles", None)


# --- Accounts and roles ------------------------------------------------------------------------


def _refuse_removing_last_administrator(user: User) -> None:
    """Someone must always be able to manage accounts: the last active administrator stays one."""
    if [admin.pk for admin in active_administrators()] == [user.pk]:
        raise ValidationError(_("This is the last active administrator: give the role to someone else first."))


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    password: str | None = None,
    kind: str = UserKind.STAFF,
    roles: Iterable[str] = (),
    ip: str | None = None,
) -> User:
    """Create an account. Without a password the account cannot log in until one is set."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user = User(email=email, full_name=full_name, kind=kind)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user._change_reason = "user_create"
    user.save()
    _event(
        AuditAction.USER_CREATED,
        actor=actor,
        user=user,
        summary=_("Account created for %(email)s") % {"email": email},
        ip=ip,
        kind=kind,
    )
    user_set_roles(actor=actor, user=user, roles=roles, ip=ip)
    return user


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str], ip: str | None = None) -> None:
    """Make ``roles`` the user's exact set of roles; one audit event per role granted or revoked.

    Only staff accounts hold roles: an organisation user acts for its organisation, never as staff.
    """
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    if wanted and user.kind != UserKind.STAFF:
        raise ValidationError(_("Only CNIL staff accounts can hold a role."))
    current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    groups = {g.name: g for g in Group.objects.filter(name__in=wanted | current)}
    missing = wanted - set(groups)
    if missing:
        raise ValidationError(_("Role group missing: %(roles)s") % {"roles": ", ".join(sorted(missing))})
    if Role.ADMINISTRATOR in current - wanted:
        _refuse_removing_last_administrator(user)
    for role in sorted(wanted - current):
        user.groups.add(groups[role])
        _event(
            AuditAction.ROLE_GRANTED,
            actor=actor,
            user=user,
            summary=_("Role %(role)s granted to %(email)s") % {"role": Role(role).label, "email": user.email},
            ip=ip,
            role=role,
        )
    for role in sorted(current - wanted):
        user.groups.remove(groups[role])
        _event(
            AuditAction.ROLE_REVOKED,
            actor=actor,
            user=user,
            summary=_("Role %(role)s revoked from %(email)s") % {"role": Role(role).label, "email": user.email},
            ip=ip,
            role=role,
        )
    _forget_cached_roles(user)


@transaction.atomic
def user_update(*, actor: User | None, user: User, full_name: str, email: str, ip: str | None = None) -> User:
    """Change an account's name or e-mail address."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user.full_name, user.email = full_name, email
    user._change_reason = "user_update"
    user.save(update_fields=["full_name", "email"])
    return user


def _end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """Delete the user's server-side sessions (database session engine), except one."""
    ended = 0
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.session_key == keep_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, ip: str | None = None) -> User:
    """Deactivate an account: it can no longer log in and its open sessions end at once."""
    if not user.is_active:
        return user
    if Role.ADMINISTRATOR in user.roles:
        _refuse_removing_last_administrator(user)
    user.is_active = False
    user._change_reason = "user_deactivate"
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    _event(
        AuditAction.USER_DEACTIVATED,
        actor=actor,
        user=user,
        summary=_("Account of %(email)s deactivated") % {"email": user.email},
        ip=ip,
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User | None, user: User, ip: str | None = None) -> User:
    """Reactivate an account deactivated earlier."""
    if user.is_active:
        return user
    user.is_active = True
    user._change_reason = "user_reactivate"
    user.save(update_fields=["is_active"])
    _event(
        AuditAction.USER_REACTIVATED,
        actor=actor,
        user=user,
        summary=_("Account of %(email)s reactivated") % {"email": user.email},
        ip=ip,
    )
    return user


@transaction.atomic
def password_change(
    *, actor: User, new_password: str, keep_session_key: str | None = None, ip: str | None = None
) -> int:
    """Set the actor's new password and end all its other sessions; returns how many ended.

    Django's session hash already invalidates the other sessions at their next request; deleting
    them makes the ending immediate and visible.
    """
    actor.set_password(new_password)
    # The password is kept out of the account's history (excluded_fields): a version would repeat the
    # previous one. The change is recorded by its audit event.
    actor.save_without_historical_record(update_fields=["password"])
    ended = _end_sessions(actor, keep_session_key=keep_session_key)
    _event(
        AuditAction.PASSWORD_CHANGED,
        actor=actor,
        user=actor,
        summary=_("Password changed"),
        ip=ip,
        other_sessions_ended=ended,
    )
    return ended


# --- Security events ---------------------------------------------------------------------------


@transaction.atomic
def login_record(*, user: User, ip: str | None) -> None:
    """Record a successful password check (the second factor is still to come)."""
    _event(AuditAction.LOGIN, actor=user, user=user, summary=_("Logged in (password)"), ip=ip)


@transaction.atomic
def logout_record(*, user: User, ip: str | None) -> None:
    _event(AuditAction.LOGOUT, actor=user, user=user, summary=_("Logged out"), ip=ip)


@transaction.atomic
def session_expired_record(*, user: User, reason: str, ip: str | None) -> None:
    """Record a session ended by its idle timeout (``reason="idle"``) or absolute lifetime (``"absolute"``)."""
    summary = (
        _("Logged out: session past its maximum length")
        if reason == "absolute"
        else _("Logged out: session idle for too long")
    )
    _event(AuditAction.LOGOUT, actor=user, user=user, summary=summary, ip=ip, reason=reason)


@transaction.atomic
def login_failure_record(*, attempted_email: str, ip: str | None, locked_out: bool) -> None:
    """Record a refused login. The attempted address is kept as typed: it may match no account."""
    user = User.objects.filter(email__iexact=attempted_email.strip()).first() if attempted_email else None
    audit_record(
        actor=None,
        actor_kind="system",
        action=AuditAction.LOCKOUT if locked_out else AuditAction.LOGIN_FAILED,
        summary=(_("Login refused: locked out") if locked_out else _("Login failed")),
        object_type=USER_OBJECT_TYPE if user else "",
        object_id=str(user.pk) if user else "",
        data={"attempted_email": attempted_email[:254]},
        ip=ip,
    )


# --- Second factor -----------------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_start(*, actor: User) -> TOTPDevice:
    """Give the actor a new, unconfirmed TOTP secret to add to an authenticator app.

    Refused when the actor already has a confirmed device: replacing a second factor is an
    administrator's job, not something a stolen password should allow.
    """
    if has_second_factor(actor):
        raise ValidationError(_("A second factor is already set up for this account."))
    pending = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=actor, name=TOTP_DEVICE_NAME, confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, actor: User, device: TOTPDevice, token: str, ip: str | None) -> list[str] | None:
    """Confirm enrolment with a first code from the app; returns the recovery codes, shown once.

    A wrong code leaves the device unconfirmed and records a second-factor failure.
    """
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError(_("This enrolment is no longer valid; start again."))
    if not device.verify_token(token):
        _event(
            AuditAction.OTP_FAILED, actor=actor, user=actor, summary=_("Second-factor enrolment code refused"), ip=ip
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    _event(AuditAction.OTP_ENROLLED, actor=actor, user=actor, summary=_("Authenticator app enrolled"), ip=ip)
    _event(
        AuditAction.RECOVERY_CODES_GENERATED,
        actor=actor,
        user=actor,
        summary=_("Recovery codes generated"),
        ip=ip,
        count=len(codes),
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: User, ip: str | None) -> list[str]:
    """Replace the actor's recovery codes (the old ones stop working at once)."""
    codes = _new_recovery_codes(actor)
    _event(
        AuditAction.RECOVERY_CODES_GENERATED,
        actor=actor,
        user=actor,
        summary=_("Recovery codes generated"),
        ip=ip,
        count=len(codes),
    )
    return codes


def second_factor_verify(*, actor: User, token: str, ip: str | None) -> Device | None:
    """Check a TOTP code or a recovery code; returns the matching device, or None.

    A TOTP code is accepted once (django-otp remembers the last time step used), a recovery
    code is consumed. Failures are recorded even though the caller shows one generic message.
    The audit event is committed on its own, so a failure stays recorded.
    """
    token = "".join(token.split())
    device = None
    if token:
        totp = totp_device_for(actor)
        if totp is not None and token.isdigit() and totp.verify_token(token):
            device = totp
        else:
            recovery = StaticDevice.objects.filter(user=actor, name=RECOVERY_DEVICE_NAME, confirmed=True).first()
            if recovery is not None and recovery.verify_token(token):
                device = recovery
    with transaction.atomic():
        if device is None:
            _event(AuditAction.OTP_FAILED, actor=actor, user=actor, summary=_("Second-factor code refused"), ip=ip)
        elif isinstance(device, StaticDevice):
            remaining = device.token_set.count()
            _event(
                AuditAction.RECOVERY_CODE_USED,
                actor=actor,
                user=actor,
                summary=_("Logged in with a recovery code"),
                ip=ip,
                remaining=remaining,
            )
        else:
            _event(AuditAction.OTP_VERIFIED, actor=actor, user=actor, summary=_("Second factor verified"), ip=ip)
    return device


@transaction.atomic
def second_factor_reset(*, actor: User | None, user: User, ip: str | None = None) -> None:
    """Remove a user's second factors (lost phone or passkey); they enrol again at their next login.

    ``actor`` is None when an operator runs ``manage.py reset_second_factor`` on the server (the last
    administrator's lost passkey: no one else could reset it in the admin)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    _end_sessions(user)
    _event(
        AuditAction.OTP_RESET,
        actor=actor,
        user=user,
        summary=_("Second factor reset for %(email)s") % {"email": user.email},
        ip=ip,
    )


# --- Passkeys (apps/accounts/passkeys.py runs the ceremonies) --------------------------------------

# What a refused passkey may raise: the library's refusals (unknown passkey, someone else's), py_webauthn's
# (bad signature, challenge, origin or RP ID) and malformed JSON from the browser.
_PASSKEY_REFUSALS = (OTPWebAuthnApiError, WebAuthnException, ValueError, KeyError, TypeError)


def _refuse_unless_may_manage_passkeys(actor: User) -> None:
    if not may_manage_passkeys(actor):
        raise PermissionDenied(_("Confirm this session with one of your passkeys before changing your passkeys."))


@transaction.atomic
def passkey_register(*, actor: User, helper: WebAuthnHelper, state: dict, data: dict, ip: str | None):
    """Check the browser's answer to a registration challenge and save the actor's new passkey.

    ``helper`` (django-otp-webauthn) checks the challenge, origin and RP ID and builds the
    credential; the library's errors pass through to the caller. Refused (``PermissionDenied``)
    unless ``may_manage_passkeys``.
    """
    _refuse_unless_may_manage_passkeys(actor)
    credential = helper.register_complete(user=actor, state=state, data=data)
    credential.name = PASSKEY_DEVICE_NAME
    credential.save(update_fields=["name"])
    _event(
        AuditAction.PASSKEY_REGISTERED,
        actor=actor,
        user=actor,
        summary=_("Passkey registered"),
        ip=ip,
        passkey=credential.pk,
        aaguid=credential.aaguid,
    )
    return credential


@transaction.atomic
def passkey_remove(*, actor: User, credential_id: int, ip: str | None) -> None:
    """Remove one of the actor's own passkeys (``Http404``-like ``ValidationError`` for any other id)."""
    _refuse_unless_may_manage_passkeys(actor)
    credential = WebAuthnCredential.objects.filter(user=actor, pk=credential_id).first()
    if credential is None:
        raise ValidationError(_("This passkey does not exist."))
    credential.delete()
    _event(
        AuditAction.PASSKEY_REMOVED,
        actor=actor,
        user=actor,
        summary=_("Passkey removed"),
        ip=ip,
        passkey=credential_id,
    )


def passkey_verify(*, actor: User, helper: WebAuthnHelper, state: dict, data: dict, ip: str | None):
    """Check a passkey's signature over the challenge for the actor (after their password); returns the
    credential, or raises ``ValidationError``.

    Only the actor's own, confirmed passkeys count. Success updates the passkey's signature counter
    and records the event together; a refusal is recorded in a transaction of its own, so it stays
    recorded.
    """
    try:
        with transaction.atomic():
            credential = helper.authenticate_complete(user=actor, state=state, data=data)
            if not credential.confirmed or credential.user_id != actor.pk or not actor.is_active:
                raise ValidationError("passkey disabled")
            _event(
                AuditAction.PASSKEY_VERIFIED,
                actor=actor,
                user=actor,
                summary=_("Second factor verified with a passkey"),
                ip=ip,
                passkey=credential.pk,
            )
    except (*_PASSKEY_REFUSALS, ValidationError) as exc:
        with transaction.atomic():
            _event(
                AuditAction.PASSKEY_FAILED,
                actor=actor,
                user=actor,
                summary=_("Passkey refused"),
                ip=ip,
                reason=getattr(exc, "code", None) or type(exc).__name__,
            )
        raise ValidationError(_("This passkey was not accepted.")) from exc
    return credential
