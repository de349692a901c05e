"""``{{ value|cell }}``: a dashboard table's cell written the French way (``manager_tables.cell_text``)."""

from django import template

from apps.dashboards.manager_tables import cell_text

register = template.Library()


@register.filter
def cell(value) -> str:
    return cell_text(value) if value is not None else "—"
