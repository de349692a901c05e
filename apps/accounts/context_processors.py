from .choices import Role


def roles(request):
    """Expose the user's roles to templates, for navigation by role."""
    user = getattr(request, "user", None)
    user_roles = user.roles if user is not None and user.is_authenticated else frozenset()
    return {"user_roles": user_roles, "Role": Role}
