"""Statements compiled once by the ORM with stand-in values, run with the real ones.

Building and compiling a queryset costs a millisecond or more. A hot read whose shape does not
change from one call to the next (the timeline's sources, the search's kinds) is compiled once per
process with a stand-in where a real value goes — an impossible case id, a private-use string — and
each call puts its values in the compiled parameters with :func:`substituted`.
"""

from __future__ import annotations

from collections.abc import Iterable


def _is(param, stand_in) -> bool:
    return isinstance(param, type(stand_in)) and param == stand_in


def stand_in_count(params: Iterable, stand_in) -> int:
    """How many of the compiled ``params`` are ``stand_in``: check it once, when compiling."""
    return sum(1 for param in params if _is(param, stand_in))


def substituted(params: Iterable, stand_in, value) -> list:
    """``params`` with each ``stand_in`` replaced by ``value``, of the stand-in's own type (psycopg's
    typed integers, such as ``Int8``, keep theirs)."""
    return [type(param)(value) if _is(param, stand_in) else param for param in params]
