"""Sanction guidance: the fine ceiling computed from the infringements and the group's turnover (GDPR Art. 83).

- Per infringement: the higher of the tier's fixed amount and its share of the **group's**
  worldwide turnover of the preceding financial year (Art. 83(4)/(5); CJEU C-383/23).
- Infringements of the same or linked processing: their total cannot exceed the ceiling of the
  gravest one (Art. 83(3)); infringements of distinct processing add up.
- Simplified procedure: a fine of at most EUR 20,000, a periodic penalty of at most EUR 100 a day,
  never published. Ordinary procedure: a periodic penalty of at most EUR 100,000 a day.
Every figure comes with the line that explains it, so a decision shows how its ceiling was reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import FineTier

TIERS = {
    FineTier.ART_83_4: (Decimal("10000000"), Decimal("0.02")),
    FineTier.ART_83_5: (Decimal("20000000"), Decimal("0.04")),
}
SIMPLIFIED_FINE_CAP = Decimal("20000")
SIMPLIFIED_PENALTY_CAP = Decimal("100")
ORDINARY_PENALTY_CAP = Decimal("100000")


def _euros(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('1'), rounding=ROUND_DOWN):,}".replace(",", "\u202f") + " €"


@dataclass(frozen=True)
class Infringement:
    reference: str  # e.g. "RGPD art. 32"
    tier: str
    processing: str  # infringements of the same processing are capped together (Art. 83(3))


@dataclass
class Ceiling:
    amount: Decimal
    lines: list[str] = field(default_factory=list)


def infringement_ceiling(tier: str, turnover: Decimal | None) -> tuple[Decimal, str]:
    fixed, share = TIERS[tier]
    if turnover is None:
        return fixed, _("%(fixed)s (no turnover recorded: the fixed amount)") % {"fixed": _euros(fixed)}
    proportional = (turnover * share).quantize(Decimal("0.01"))
    amount = max(fixed, proportional)
    return amount, _("higher of %(fixed)s and %(share)s%% of %(turnover)s = %(proportional)s: %(amount)s") % {
        "fixed": _euros(fixed),
        "share": int(share * 100),
        "turnover": _euros(turnover),
        "proportional": _euros(proportional),
        "amount": _euros(amount),
    }


def fine_ceiling(infringements: Iterable[Infringement], turnover: Decimal | None) -> Ceiling:
    """The total ceiling: per processing, the gravest infringement's ceiling; summed across processing."""
    groups: dict[str, list[tuple[Infringement, Decimal, str]]] = {}
    for infringement in infringements:
        amount, line = infringement_ceiling(infringement.tier, turnover)
        groups.setdefault(infringement.processing.strip().lower(), []).append((infringement, amount, line))
    ceiling = Ceiling(Decimal("0"))
    for items in groups.values():
        for infringement, _amount, line in items:
            ceiling.lines.append(f"{infringement.reference} ({infringement.processing}) : {line}")
        gravest = max(amount for _i, amount, _l in items)
        if len(items) > 1:
            ceiling.lines.append(
                _("Same processing “%(processing)s”: capped at the gravest infringement's %(amount)s (Art. 83(3))")
                % {"processing": items[0][0].processing, "amount": _euros(gravest)}
            )
        ceiling.amount += gravest
    ceiling.lines.append(_("Ceiling: %(amount)s") % {"amount": _euros(ceiling.amount)})
    return ceiling


def check_sanction(
    *, procedure: str, fine: Decimal | None, ceiling: Ceiling, penalty_per_day: Decimal | None, published: bool
) -> None:
    """Refuse, with the rule and the figures, a fine over its ceiling or what a procedure may not decide."""
    errors = {}
    if fine is not None and fine > ceiling.amount:
        errors["fine"] = _("A fine of %(fine)s exceeds the ceiling of %(ceiling)s: %(how)s") % {
            "fine": _euros(fine),
            "ceiling": _euros(ceiling.amount),
            "how": " ; ".join(ceiling.lines),
        }
    if procedure == "simplified":
        if fine is not None and fine > SIMPLIFIED_FINE_CAP and "fine" not in errors:
            errors["fine"] = _("The simplified procedure caps a fine at %(cap)s; %(fine)s is over it.") % {
                "cap": _euros(SIMPLIFIED_FINE_CAP),
                "fine": _euros(fine),
            }
        if penalty_per_day is not None and penalty_per_day > SIMPLIFIED_PENALTY_CAP:
            errors["penalty_per_day"] = _(
                "The simplified procedure caps a periodic penalty at %(cap)s a day; %(penalty)s is over it."
            ) % {"cap": _euros(SIMPLIFIED_PENALTY_CAP), "penalty": _euros(penalty_per_day)}
        if published:
            errors["published"] = _("A decision of the simplified procedure is never published.")
    elif penalty_per_day is not None and penalty_per_day > ORDINARY_PENALTY_CAP:
        errors["penalty_per_day"] = _("A periodic penalty is at most %(cap)s a day; %(penalty)s is over it.") % {
            "cap": _euros(ORDINARY_PENALTY_CAP),
            "penalty": _euros(penalty_per_day),
        }
    if errors:
        raise ValidationError(errors)
