"""Portal accesses and invitations: who may act for an organisation on a case, and how they get in."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts import services as account_services
from apps.accounts.choices import UserKind
from apps.audit.choices import AuditAction
from apps.cases.models import Party

from .choices import PortalRole
from .common import (
    INVITATION_VALIDITY,
    _audit,
    _refuse_closed_case,
    _site_link,
    _token_hash,
)
from .mail import mail_on_commit
from .models import (
    Invitation,
    PortalAccess,
)

# --- Portal accesses and invitations -----------------------------------------------------------


@transaction.atomic
def portal_invite(
    *, actor, party: Party, full_name: str, email: str, role: str, ip: str | None = None
) -> tuple[PortalAccess, str]:
    """Invite a person to act for a party's organisation on its case; returns the access and the raw token.

    The organisation-kind account is created, or reused when the person already acts for the same
    organisation. Refused for a staff member's address, for a person acting for another
    organisation (one login per organisation), or on a closed case. The single-use link, valid 7
    days, is e-mailed once the transaction commits; the e-mail names neither the case nor the
    organisation. The person then sets a password and enrols a second factor (TOTP).
    """
    full_name, email = " ".join((full_name or "").split()), (email or "").strip()
    errors = {}
    if not full_name:
        errors["full_name"] = _("Give the name of the person invited.")
    if role not in PortalRole.values:
        errors["role"] = _("Choose the role of the person invited.")
    if not email:
        errors["email"] = _("Give the e-mail address of the person invited.")
    if errors:
        raise ValidationError(errors)
    _refuse_closed_case(party.case)
    email = get_user_model().objects.normalize_email(email).lower()
    user = get_user_model().objects.select_for_update().filter(email__iexact=email).first()
    if user is not None and user.kind != UserKind.ORGANISATION:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("This address belongs to a CNIL staff account: staff do not use the portal."),
                    code="staff_account",
                )
            }
        )
    if (
        user is not None
        and PortalAccess.objects.filter(user=user).exclude(organisation_id=party.organisation_id).exists()
    ):
        raise ValidationError(
            {
                "email": ValidationError(
                    _(
                        "This person already acts for another organisation on the portal. A person acting for "
                        "several organisations has one login per organisation: use another address."
                    ),
                    code="other_organisation",
                )
            }
        )
    if user is None:
        user = account_services.user_create(
            actor=actor, email=email, full_name=full_name, kind=UserKind.ORGANISATION, ip=ip
        )
    access = PortalAccess.objects.filter(user=user, party=party, revoked_at__isnull=True).first()
    if access is None:
        access = PortalAccess(
            user=user,
            organisation_id=party.organisation_id,
            case_id=party.case_id,
            party=party,
            role=role,
            invited_by=actor,
        )
        access._change_reason = "portal_invite"
        access.save()
    elif access.role != role:
        access.role = role
        access._change_reason = "portal_invite (role)"
        access.save(update_fields=["role"])
    token, now = secrets.token_urlsafe(32), timezone.now()
    invitation = Invitation(
        access=access,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
        created_by=actor,
    )
    invitation._change_reason = "portal_invite"
    invitation.save()
    _audit(
        AuditAction.PORTAL_INVITED,
        actor=actor,
        obj=access,
        summary=_("%(name)s invited to act for %(organisation)s on the portal")
        % {"name": full_name, "organisation": party.organisation},
        case_id=party.case_id,
        ip=ip,
        user=user.pk,
        organisation=party.organisation_id,
        party=party.pk,
        role=role,
        invitation=invitation.pk,
        expires_at=invitation.expires_at.isoformat(),
    )
    link = _site_link(f"{settings.PORTAL_URL_PREFIX}invitation/{token}/")
    with translation.override(settings.LANGUAGE_CODE):
        mail_on_commit(
            to=[user.email],
            subject=_("Your invitation to the CNIL's portal"),
            body="\n\n".join(
                [
                    _("Hello %(name)s,") % {"name": full_name},
                    _(
                        "The CNIL invites you to its portal for organisations. To activate your access, choose "
                        "a password by following this link, valid for 7 days and usable once:"
                    ),
                    link,
                    _("You will then set up a second factor with an authenticator app (TOTP)."),
                    _("If you did not expect this invitation, ignore this e-mail."),
                ]
            ),
        )
    return access, token


def invitation_get(token: str) -> Invitation | None:
    """The invitation of a raw token if it can still be used: unused, unexpired, its access not revoked."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.filter(
            token_hash=_token_hash(token),
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            access__revoked_at__isnull=True,
        )
        .select_related("access__user", "access__organisation")
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str, ip: str | None = None):
    """Use an invitation once: set the person's password (Django's validators) and return the account.

    An expired, used or revoked invitation is refused with one message. The account is reactivated
    if its accesses had all been revoked before. The second factor is enrolled next, through the
    accounts pages (``/accounts/2fa/setup/``).
    """
    invitation = invitation_get(token)
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().select_related("access__user").get(pk=invitation.pk)
    if invitation is None or invitation.used_at is not None:
        raise ValidationError(
            _("This invitation link is invalid, has expired or has already been used. Ask the CNIL for a new one."),
            code="invalid_invitation",
        )
    user = invitation.access.user
    password_validation.validate_password(password, user)
    invitation.used_at = timezone.now()
    invitation._change_reason = "invitation_accept"
    invitation.save(update_fields=["used_at"])
    if not user.is_active:
        account_services.user_reactivate(actor=user, user=user, ip=ip)
    account_services.password_change(actor=user, new_password=password, ip=ip)
    _audit(
        AuditAction.PORTAL_INVITATION_ACCEPTED,
        actor=user,
        obj=invitation.access,
        summary=_("Portal invitation accepted by %(email)s") % {"email": user.email},
        case_id=invitation.access.case_id,
        ip=ip,
        invitation=invitation.pk,
    )
    return user


@transaction.atomic
def portal_access_revoke(*, actor, access: PortalAccess, ip: str | None = None) -> PortalAccess:
    """End a person's access to a case at once. With no active access left, the account is deactivated
    (``user_deactivate``), which ends its sessions immediately."""
    access = PortalAccess.objects.select_for_update().select_related("user", "organisation").get(pk=access.pk)
    if access.revoked_at is not None:
        raise ValidationError(_("This access is already revoked."), code="revoked")
    access.revoked_at, access.revoked_by = timezone.now(), actor
    access._change_reason = "portal_access_revoke"
    access.save(update_fields=["revoked_at", "revoked_by"])
    _audit(
        AuditAction.PORTAL_ACCESS_REVOKED,
        actor=actor,
        obj=access,
        summary=_("Portal access of %(email)s for %(organisation)s revoked")
        % {"email": access.user.email, "organisation": access.organisation},
        case_id=access.case_id,
        ip=ip,
        user=access.user_id,
    )
    if not PortalAccess.objects.filter(user=access.user, revoked_at__isnull=True).exists():
        account_services.user_deactivate(actor=actor, user=access.user, ip=ip)
    return access
