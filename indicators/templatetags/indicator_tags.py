from django import template

from indicators.forms import format_number

register = template.Library()


@register.filter
def number(value) -> str:
    """Decimal('12.5000') → "12,5": a measured value as Danes write it."""
    return format_number(value)


@register.simple_tag
def note_column(indicator, measurements, editable) -> bool:
    """Whether the table shows its note column: always where it is edited; in the report only
    when a row fills it (a note, or the target row's direction), as for every report column."""
    if editable or getattr(indicator, "target_value", None) is not None:
        return True
    return any((m.get("note") if isinstance(m, dict) else getattr(m, "note", "")) for m in measurements or [])


@register.filter
def report_entries(items) -> list:
    """A direction's indicator data from the report's snapshot → what the chart and table read."""
    from indicators.report import entries

    return entries(items or [])
