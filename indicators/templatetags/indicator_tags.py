from django import template

from indicators.forms import format_number

register = template.Library()


@register.filter
def number(value) -> str:
    """Decimal('12.5000') → "12,5": a measured value as Danes write it."""
    return format_number(value)



@register.filter
def report_entries(items) -> list:
    """A direction's indicator data from the report's snapshot → what the chart and table read."""
    from indicators.report import entries

    return entries(items or [])
