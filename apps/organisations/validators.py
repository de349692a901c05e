"""French company identifiers (python-stdnum): SIREN = 8 digits + Luhn key; SIRET = SIREN + NIC, Luhn over 14."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret


def clean_siren(value: str) -> str:
    """The SIREN without spaces, or a ValidationError naming the failed check."""
    compact = stdnum_siren.compact(value or "")
    try:
        return stdnum_siren.validate(compact)
    except InvalidLength as exc:
        raise ValidationError(_("A SIREN has 9 digits."), code="length") from exc
    except InvalidFormat as exc:
        raise ValidationError(_("A SIREN is made of digits only."), code="format") from exc
    except InvalidChecksum as exc:
        raise ValidationError(_("This SIREN fails its check digit (Luhn key)."), code="checksum") from exc


def clean_siret(value: str, *, siren: str = "") -> str:
    """The SIRET without spaces; it must be valid and, when given, start with ``siren``."""
    compact = stdnum_siret.compact(value or "")
    try:
        if len(compact) != 14:
            raise InvalidLength
        if not compact.isdigit():
            raise InvalidFormat
        # La Poste's establishments use another key; stdnum knows the exception.
        stdnum_siret.validate(compact)
    except InvalidLength as exc:
        raise ValidationError(_("A SIRET has 14 digits."), code="length") from exc
    except InvalidFormat as exc:
        raise ValidationError(_("A SIRET is made of digits only."), code="format") from exc
    except InvalidChecksum as exc:
        raise ValidationError(_("This SIRET fails its check digit (Luhn key)."), code="checksum") from exc
    if siren and not compact.startswith(siren):
        raise ValidationError(
            _("This SIRET does not start with the organisation's SIREN %(siren)s."),
            params={"siren": siren},
            code="siren",
        )
    return compact
