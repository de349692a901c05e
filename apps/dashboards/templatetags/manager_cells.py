"""``{{ value|cell }}``: a dashboard table's cell written the French way (``manager_tables.cell_text``)."""

from django import template

from apps.dashboards.manager_tables import Link, cell_text

register = template.Library()


@register.filter
def cell(value) -> str:
    return cell_text(value) if value is not None else "—"


@register.filter
def is_link(value) -> bool:
    return isinstance(value, Link)
