"""Who may use a portal page: a verified account acting for an organisation.

Staff never use the portal, and organisation users never reach a staff page
(``apps.accounts.middleware.OrganisationUserConfinementMiddleware``). Anyone else is sent to
the portal's login page, never shown a portal page.
"""

from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login

from apps.accounts.choices import UserKind


def portal_user_may(user) -> bool:
    """True for an active organisation account past its second factor."""
    return bool(user.is_authenticated and user.is_active and user.kind == UserKind.ORGANISATION and user.is_verified())


class PortalUserRequiredMixin(AccessMixin):
    """Portal page: an organisation user past the second factor; anyone else goes to the portal login."""

    def dispatch(self, request, *args, **kwargs):
        if not portal_user_may(request.user):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        # Always the login page, even for a logged-in staff member: never a 403 that tells the page exists.
        return redirect_to_login(self.request.get_full_path(), settings.PORTAL_LOGIN_URL)
