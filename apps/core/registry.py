"""Registries that let higher apps extend lower ones without being imported by them.

- ``case_tabs``: tabs of the case page (NetBox's ``register_model_view`` + ``ViewTab``). The
  ``cases`` app renders whatever is registered; ``controls``, ``evidence``... register theirs.
- ``organisation_panels``: panels of the organisation page (``cases`` adds "cases it is party to").
- ``home_panels``: panels of the staff home page; ``context(user, request)`` and ``visible(user, request)``
  take the user in place of an object (``dashboards`` adds an investigator's cases, deadlines...).
- ``transition_guards`` / ``transition_reactions``: case-transition hooks. A guard may refuse a
  transition by returning a reason; a reaction runs inside the transition's transaction.
- ``case_opened_reactions``: run inside ``case_open``'s transaction (e.g. the complainant's
  3-month deadline, owned by ``deadlines``).
- ``demo_seeders``: the steps of ``seed_demo``, one per app, so the demo scenario grows with
  the apps without ``accounts`` importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tab:
    """One tab (or panel): ``context(obj, request)`` returns the template context for it.

    ``partial`` names a partial of ``template`` that an HTMX request for the tab receives instead
    of the whole page (filters and pages updated in place); it reads the tab context as ``ctx``.
    """

    slug: str
    label: Any  # a lazy translation
    template: str
    context: Callable[[Any, Any], dict]
    order: int = 100
    visible: Callable[[Any, Any], bool] = field(default=lambda obj, request: True)
    partial: str = ""


class TabRegistry:
    def __init__(self) -> None:
        self._tabs: dict[str, Tab] = {}

    def register(self, tab: Tab) -> Tab:
        if tab.slug in self._tabs and self._tabs[tab.slug] != tab:
            raise ValueError(f"tab {tab.slug!r} is already registered")
        self._tabs[tab.slug] = tab
        return tab

    def all(self) -> list[Tab]:
        return sorted(self._tabs.values(), key=lambda t: (t.order, t.slug))

    def get(self, slug: str) -> Tab | None:
        return self._tabs.get(slug)


class HookRegistry:
    def __init__(self) -> None:
        self._hooks: list[Callable] = []

    def register(self, hook: Callable) -> Callable:
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def __iter__(self):
        return iter(list(self._hooks))


class SeederRegistry:
    """Demo-data steps, run in order by ``seed_demo``: each app adds its part of the scenario."""

    def __init__(self) -> None:
        self._steps: dict[str, tuple[int, Callable]] = {}

    def register(self, name: str, step: Callable, *, order: int) -> None:
        self._steps[name] = (order, step)

    def __iter__(self):
        return iter([(name, step) for name, (_order, step) in sorted(self._steps.items(), key=lambda i: i[1][0])])


case_tabs = TabRegistry()
organisation_panels = TabRegistry()
home_panels = TabRegistry()
# guard(case, from_status, to_status, actor) -> str | None (a reason to refuse)
transition_guards = HookRegistry()
# reaction(case, transition) -> None, inside the transition's transaction
transition_reactions = HookRegistry()
# reaction(case, actor) -> None, inside the case-opening transaction (deadlines owed from opening)
case_opened_reactions = HookRegistry()
# step(stdout) -> None; idempotent
demo_seeders = SeederRegistry()
