from django.conf import settings

from .choices import Role, UserKind


def roles(request):
    """Expose the user's roles to templates, for navigation by role, and the layout to extend.

    Pages shared by staff and organisation users (second factor, recovery codes, password,
    notifications) extend ``base_template``: the portal's layout for organisation users, never the staff one.
    """
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    user_roles = user.roles if authenticated else frozenset()
    organisation_user = authenticated and user.kind == UserKind.ORGANISATION
    return {
        "user_roles": user_roles,
        "Role": Role,
        "base_template": settings.PORTAL_BASE_TEMPLATE if organisation_user else "base.html",
    }
