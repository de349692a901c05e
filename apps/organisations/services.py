"""Writes on organisations, establishments and processing relationships."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.core.changes import apply_changes, check_fields

from .choices import RelationshipKind
from .models import Establishment, Organisation, ProcessingRelationship
from .validators import clean_siren, clean_siret

ORGANISATION_FIELDS = (
    "legal_name",
    "country",
    "siren",
    "sector",
    "address",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
    "parent",
)


class DuplicateSiren(ValidationError):  # noqa: N818 - reads as what happened
    """The SIREN already belongs to ``existing``."""

    def __init__(self, existing: Organisation):
        self.existing = existing
        super().__init__({"siren": _("An organisation with this SIREN already exists: %(name)s.") % {"name": existing}})


def _check_identity(*, siren: str, country: str, exclude_pk: int | None = None) -> str:
    if country == "FR" and not siren:
        raise ValidationError({"siren": _("A French organisation needs its SIREN.")})
    if not siren:
        return ""
    siren = clean_siren(siren)
    existing = Organisation.objects.filter(siren=siren).exclude(pk=exclude_pk).first()
    if existing is not None:
        raise DuplicateSiren(existing)
    return siren


def _check_group(organisation: Organisation | None, parent: Organisation | None) -> None:
    """A group never contains itself, directly or through its own subsidiaries."""
    seen = set()
    node = parent
    while node is not None:
        if organisation is not None and node.pk == organisation.pk:
            raise ValidationError({"parent": _("This group would contain itself.")})
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


def _audit(action, *, actor, organisation, summary, ip, **data):
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type="organisations.organisation",
        object_id=str(organisation.pk),
        data=data,
        ip=ip,
    )


@transaction.atomic
def organisation_create(*, actor, ip: str | None = None, **fields) -> Organisation:
    """Register an organisation. A French one needs a valid SIREN, unique in the register."""
    check_fields(fields, ORGANISATION_FIELDS)
    fields["siren"] = _check_identity(siren=fields.get("siren", ""), country=fields.get("country", "FR"))
    _check_group(None, fields.get("parent"))
    organisation = Organisation(**fields)
    organisation._change_reason = "organisation_create"
    organisation.full_clean()
    organisation.save()
    _audit(
        AuditAction.ORGANISATION_CREATED,
        actor=actor,
        organisation=organisation,
        summary=_("Organisation %(name)s registered") % {"name": organisation.legal_name},
        ip=ip,
        siren=organisation.siren,
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, ip: str | None = None, **fields) -> Organisation:
    """Change an organisation's details; the audit event lists the fields that changed."""
    check_fields(fields, ORGANISATION_FIELDS)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    fields["siren"] = _check_identity(
        siren=fields.get("siren", organisation.siren),
        country=fields.get("country", organisation.country),
        exclude_pk=organisation.pk,
    )
    _check_group(organisation, fields.get("parent", organisation.parent))
    changed = apply_changes(organisation, fields, ORGANISATION_FIELDS)
    if not changed:
        return organisation
    organisation._change_reason = "organisation_update"
    organisation.full_clean()
    organisation.save(update_fields=[*changed, "updated_at"])
    _audit(
        AuditAction.ORGANISATION_CHANGED,
        actor=actor,
        organisation=organisation,
        summary=_("Organisation %(name)s changed") % {"name": organisation.legal_name},
        ip=ip,
        fields=sorted(changed),
    )
    return organisation


@transaction.atomic
def establishment_add(
    *, actor, organisation: Organisation, siret: str, label: str = "", ip: str | None = None
) -> Establishment:
    """Add an establishment; its SIRET must be valid and start with the organisation's SIREN."""
    if not organisation.siren:
        raise ValidationError({"siret": _("Record the organisation's SIREN before its establishments.")})
    siret = clean_siret(siret, siren=organisation.siren)
    if Establishment.objects.filter(siret=siret).exists():
        raise ValidationError({"siret": _("This SIRET is already recorded.")})
    establishment = Establishment(organisation=organisation, siret=siret, label=label)
    establishment._change_reason = "establishment_add"
    establishment.save()
    _audit(
        AuditAction.ORGANISATION_CHANGED,
        actor=actor,
        organisation=organisation,
        summary=_("Establishment %(siret)s added to %(name)s") % {"siret": siret, "name": organisation.legal_name},
        ip=ip,
        siret=siret,
    )
    return establishment


def _reaches(start: Organisation, target: Organisation, processing: str) -> bool:
    """Whether ``target`` is reachable from ``start`` through sub-processing of ``processing``."""
    frontier, seen = [start.pk], {start.pk}
    while frontier:
        providers = ProcessingRelationship.objects.filter(
            kind=RelationshipKind.SUB_PROCESSING, processing=processing, client_id__in=frontier
        ).values_list("provider_id", flat=True)
        frontier = [pk for pk in providers if pk not in seen]
        if target.pk in frontier:
            return True
        seen.update(frontier)
    return False


@transaction.atomic
def relationship_record(
    *,
    actor,
    kind: str,
    client: Organisation,
    provider: Organisation,
    processing: str,
    contract_reference: str = "",
    starts_on=None,
    ends_on=None,
    ip: str | None = None,
) -> ProcessingRelationship:
    """Record that ``client`` entrusts ``processing`` to ``provider`` (GDPR Art. 28).

    Refused when both are the same organisation, when the same relationship exists, and for
    sub-processing when it would close a loop (the provider already, directly or not, uses the
    client as sub-processor for this processing).
    """
    processing = processing.strip()
    if client.pk == provider.pk:
        raise ValidationError(_("An organisation cannot entrust a processing to itself."))
    if ProcessingRelationship.objects.filter(
        kind=kind, client=client, provider=provider, processing__iexact=processing
    ).exists():
        raise ValidationError(_("This relationship is already recorded."))
    if kind == RelationshipKind.SUB_PROCESSING and _reaches(provider, client, processing):
        raise ValidationError(
            _("%(provider)s already uses %(client)s, directly or not, for this processing: that would be a loop.")
            % {"provider": provider, "client": client}
        )
    relationship = ProcessingRelationship(
        kind=kind,
        client=client,
        provider=provider,
        processing=processing,
        contract_reference=contract_reference,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    relationship.full_clean()
    relationship._change_reason = "relationship_record"
    relationship.save()
    audit_record(
        actor=actor,
        action=AuditAction.RELATIONSHIP_RECORDED,
        summary=_("%(client)s entrusts “%(processing)s” to %(provider)s")
        % {"client": client, "processing": processing, "provider": provider},
        object_type="organisations.processingrelationship",
        object_id=str(relationship.pk),
        data={"kind": kind, "client": client.pk, "provider": provider.pk, "processing": processing},
        ip=ip,
    )
    return relationship
