"""Who may use a portal page: a verified account acting for an organisation, with an active access.

Staff never use the portal, and organisation users never reach a staff page
(``apps.accounts.middleware.OrganisationUserConfinementMiddleware``). Anyone else is sent to the
portal's login page, never shown a portal page. What a page shows is then read through the
organisation-scoped selectors of ``apps.info_requests`` (404 for "missing" and "not yours" alike).
"""

from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login

from apps.accounts.choices import UserKind
from apps.info_requests.selectors import portal_organisation


def portal_user_may(user) -> bool:
    """True for an active organisation account past its second factor."""
    return bool(user.is_authenticated and user.is_active and user.kind == UserKind.ORGANISATION and user.is_verified())


class PortalUserRequiredMixin(AccessMixin):
    """Portal page: an organisation user past the second factor with at least one active access.

    Sets ``self.organisation`` (the one organisation the user acts for) and puts it in the context,
    where the layout names it. Anyone else goes to the portal's login page.
    """

    organisation = None

    def dispatch(self, request, *args, **kwargs):
        if not portal_user_may(request.user):
            return self.handle_no_permission()
        self.organisation = portal_organisation(request.user)
        if self.organisation is None:  # every access revoked
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        # Always the login page, even for a logged-in staff member: never a 403 that tells the page exists.
        return redirect_to_login(self.request.get_full_path(), settings.PORTAL_LOGIN_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, **kwargs)
