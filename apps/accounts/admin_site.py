"""The administration site: administrators only, in a session verified with a passkey.

Anyone else gets a 404, like any page their role may not use; anonymous visitors go through
the normal login (there is no separate admin login without a second factor). An administrator
whose session passed its second factor with the authenticator app or a recovery code is sent to
their passkeys page, told why: a passkey is bound to this site, so a phishing page that relays the
password and an app code still cannot open the admin. A new administrator registers their first
passkey there after the app code, then confirms the session with it.
"""

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .permissions import user_may
from .selectors import has_passkey, verified_with_passkey
from .views import LogoutView


class CnilAdminSite(admin.AdminSite):
    site_header = _("cnilcase administration")
    site_title = _("cnilcase administration")
    index_title = _("Accounts and reference data")

    def has_permission(self, request):
        return user_may(request.user, {Role.ADMINISTRATOR}) and verified_with_passkey(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_may(request.user, {Role.ADMINISTRATOR}):
                raise Http404
            if not verified_with_passkey(request.user):
                return _passkey_required(request)
            return inner(request, *args, **kwargs)

        guarded.admin_site = self
        return guarded

    def login(self, request, extra_context=None):
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.GET.get('next', '/admin/')}")

    def password_change(self, request, extra_context=None):
        # The application's own page: it ends the other sessions and records the change.
        return HttpResponseRedirect(reverse("accounts:password_change"))

    def logout(self, request, extra_context=None):
        # The application's own logout (POST only), which records the event.
        return LogoutView.as_view()(request)


def _passkey_required(request):
    if has_passkey(request.user):
        text = gettext(
            "The administration needs a session verified with a passkey: confirm it with your passkey below."
        )
    else:
        text = gettext(
            "The administration needs a session verified with a passkey, and you have none yet: "
            "register one below, then confirm this session with it."
        )
    messages.warning(request, text)
    target = request.get_full_path() if request.method == "GET" else reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('accounts:passkeys')}?{urlencode({'next': target})}")
