from functools import cache

from .selectors import unread_count


def unread_notifications(request):
    """The user's unread count for the navigation badge.

    A callable, which templates call when they use it: counted once, and only on pages that show it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": cache(lambda: unread_count(user))}
