"""Reads on organisations."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import RelationshipKind
from .models import Organisation, ProcessingRelationship


def organisation_list(*, search: str = "") -> QuerySet[Organisation]:
    queryset = Organisation.objects.select_related("sector")
    search = search.strip()
    if search:
        queryset = queryset.filter(Q(legal_name__icontains=search) | Q(siren=search.replace(" ", "")))
    return queryset.order_by("legal_name", "id")


def organisation_get(pk) -> Organisation:
    """The organisation or Organisation.DoesNotExist (views turn it into a 404)."""
    return Organisation.objects.select_related("sector", "parent").get(pk=pk)


def relationships_of(organisation: Organisation) -> dict[str, list[ProcessingRelationship]]:
    """Both directions: whom it serves (as processor or sub-processor) and whom it uses."""
    related = ProcessingRelationship.objects.filter(Q(client=organisation) | Q(provider=organisation)).select_related(
        "client", "provider"
    )
    serves, uses = [], []
    for relationship in related:
        (serves if relationship.provider_id == organisation.pk else uses).append(relationship)
    return {"serves": serves, "uses": uses}


def controllers_served_by(processor: Organisation) -> QuerySet[Organisation]:
    """The controllers that entrust a processing to ``processor`` (fan-out of a processor incident)."""
    return Organisation.objects.filter(
        providers_used__provider=processor, providers_used__kind=RelationshipKind.PROCESSING
    ).distinct()
