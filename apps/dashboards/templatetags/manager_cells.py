"""``{{ value|cell }}``: a dashboard table's cell written the French way (``manager_tables.cell_text``);
``{% select_options field all_label %}``: a filter's options."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from apps.dashboards.manager_tables import cell_text

register = template.Library()


@register.filter
def cell(value) -> str:
    return cell_text(value) if value is not None else "—"


@register.simple_tag
def select_options(field, all_label: str) -> str:
    """The ``<option>`` tags of a filter's select (its empty choice labelled ``all_label``), the
    submitted value selected: one pass over the choices, where a template loop cost a tag per
    option and a ``COUNT`` query for the list of investigators."""
    value = field.value()
    current = "" if value is None else str(value)
    selected = mark_safe(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (choice, selected if str(choice) == current else "", all_label if str(choice) == "" else label)
            for choice, label in field.field.choices
        ),
    )
