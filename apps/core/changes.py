"""The one way update services apply a set of field values to a row."""

from collections.abc import Iterable
from typing import Any


def check_fields(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a field the service does not own (a programming error, not user input)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")


def apply_changes(instance, fields: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the fields whose value differs; return their names (for ``update_fields`` and the audit)."""
    check_fields(fields, allowed)
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    return changed
