"""Audit events and verification runs are read-only in the admin."""

from django.contrib import admin

from .models import AuditEvent, ChainVerification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "action", "actor_name", "actor_role", "summary", "case_id", "ip")
    list_filter = ("action", "actor_kind")
    search_fields = ("summary", "actor_name", "object_id")
    show_full_result_count = False


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyAdmin):
    list_display = ("ran_at", "ok", "events_checked", "head_seq", "first_broken_seq", "case_id")
    list_filter = ("ok",)
