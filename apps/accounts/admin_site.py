"""The administration site: administrators only, after the second factor.

Anyone else gets a 404, like any page their role may not use; anonymous visitors go through
the normal login (there is no separate admin login without a second factor).
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .permissions import user_may
from .views import LogoutView


class CnilAdminSite(admin.AdminSite):
    site_header = _("cnilcase administration")
    site_title = _("cnilcase administration")
    index_title = _("Accounts and reference data")

    def has_permission(self, request):
        return user_may(request.user, {Role.ADMINISTRATOR})

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise Http404
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
