"""Who may use which page: one mixin for staff pages, by role.

A page a role may not use answers 404, exactly like a page that does not exist, so the
navigation never leaks what exists. Anonymous visitors are sent to the login page.
"""

from collections.abc import Iterable

from django.contrib.auth.mixins import AccessMixin
from django.http import Http404

from .choices import Role, UserKind

ALL_STAFF_ROLES: frozenset[str] = frozenset(Role.values)


def user_may(user, roles: Iterable[str] | None, *, require_verified: bool = True) -> bool:
    """True for an active, second-factor verified staff user holding one of ``roles``.

    ``roles=None`` means any staff member, even one who holds no role yet. Object checks pass
    ``require_verified=False``: they also serve services and tasks, and no request reaches a view
    before its second factor (``SecondFactorRequiredMiddleware``).
    """
    if not (user.is_authenticated and user.is_active and user.kind == UserKind.STAFF):
        return False
    if require_verified and not user.is_verified():
        return False
    return roles is None or bool(user.roles.intersection(roles))


class RoleRequiredMixin(AccessMixin):
    """Staff page reserved to ``allowed_roles`` (all staff roles by default).

    ``allowed_roles = None`` admits any staff member, even one without a role.
    ``allowed_roles`` is also what the authorization-matrix test reads: it expects 200 for
    these roles, 404 for the others and a login redirect for anonymous visitors.
    """

    allowed_roles: frozenset[str] | None = ALL_STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_may(request.user, self.allowed_roles):
            raise Http404
        return super().dispatch(request, *args, **kwargs)
