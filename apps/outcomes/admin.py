from django.contrib import admin

from .models import Obligation


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    """Administrators add the obligations an investigation may examine (those loaded cover GDPR and art. 82)."""

    list_display = ("reference", "title_fr", "fine_tier", "position", "active")
    list_filter = ("fine_tier", "active")
    search_fields = ("code", "reference", "title_fr", "title_en")

    def has_delete_permission(self, request, obj=None):
        return False  # assessments refer to them: deactivate instead
