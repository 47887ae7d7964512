"""The status badge: the palette's colour beside the status's name in words. Here, not in
masterplan's `portal` library, because statuses are the initiatives' (masterplan imports
neither initiatives nor reporting). `{% load status %}`."""

import functools

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from initiatives.choices import Status

register = template.Library()


@functools.cache
def _status_words(language: str) -> tuple[dict, str]:
    """The statuses' names and the badge's "Status:" in one language, translated once: a plan
    page shows a badge per row, and `get_status_display()` with a lazy label and an inclusion
    template per badge was most of a long page's time."""
    return {value: str(label) for value, label in Status.choices}, gettext("Status:")


@register.simple_tag
def status_badge(initiative_or_status, label=None):
    """A status mark: the palette's colour (static/css/status.css) beside the status's
    name in words, so colour never carries the meaning alone."""
    status = getattr(initiative_or_status, "status", initiative_or_status)
    names, prefix = _status_words(get_language())
    if label is None:
        label = names.get(status, status)
    return format_html('<span class="badge status-badge status-{}" data-status="{}"><span class="status-swatch" '
                       'aria-hidden="true"></span><span class="sr-only">{} </span>{}</span>', status, status, prefix, label)
