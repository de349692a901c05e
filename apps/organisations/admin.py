"""Sectors are reference data; organisations and relationships are read-only here (services write them)."""

from django.contrib import admin

from apps.audit.admin import ReadOnlyAdmin

from .models import Organisation, ProcessingRelationship, Sector


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en")
    search_fields = ("name_fr", "name_en")


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("legal_name", "siren", "country", "sector")
    search_fields = ("legal_name", "siren")
    list_filter = ("country", "sector")


@admin.register(ProcessingRelationship)
class ProcessingRelationshipAdmin(ReadOnlyAdmin):
    list_display = ("client", "provider", "processing", "kind")
    list_select_related = ("client", "provider")
