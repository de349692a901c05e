"""The portal's pages for people acting for an organisation under investigation.

Thin views: an organisation-scoped selector of ``apps.info_requests`` (404 for "missing" and
"not yours" alike) → a portal form → a service → redirect or render. Staff never use these pages.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from apps.accounts import views as account_views
from apps.accounts.choices import UserKind

from .forms import PortalLoginForm
from .permissions import PortalUserRequiredMixin


class PortalLoginView(account_views.LoginView):
    """The accounts login (lockout, audit events, then the second factor), for organisation accounts.

    A staff account gets the same message as a wrong password. After the second factor the user
    lands on the portal.
    """

    template_name = "portal/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = False

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.kind == UserKind.ORGANISATION and user.is_verified():
            return redirect(settings.PORTAL_URL_PREFIX)
        return super().dispatch(request, *args, **kwargs)


class PortalLogoutView(account_views.LogoutView):
    success_url = reverse_lazy("portal:login")


class PortalHomeView(PortalUserRequiredMixin, TemplateView):
    template_name = "portal/home.html"
