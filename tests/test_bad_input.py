"""Out-of-range numbers and dates, and bodies Django cannot read: a Danish 4xx, never
a 500, never a write. Each kind is checked before the database sees the value."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from initiatives.models import AuditEntry, CrossLink

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = str(2**63)
TWENTY_DIGITS = "9" * 20


def all_patterns(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from all_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_no_url_of_the_portal_takes_an_unbounded_number():
    """Numbers in our URLs go through masterplan.converters (<id:…>, <year:…>, <number:…>)."""
    ours = [p for p in all_patterns() if p.callback.__module__.split(".")[0] in {"masterplan", "initiatives", "reporting", "followup"}]
    assert ours
    unbounded = [str(p.pattern) for p in ours
                 if any(type(c) is IntConverter for c in p.pattern.converters.values())]
    assert unbounded == []


@pytest.mark.parametrize("method, path", [
    ("get", "/initiatives/{huge}/"),
    ("get", "/initiatives/{twenty}/edit/"),
    ("post", "/initiatives/{huge}/status/"),
    ("post", "/activities/{twenty}/delete/"),
    ("get", "/plans/testplan/directions/99999/"),
    ("get", "/plans/testplan/reports/20250/"),
    ("get", "/plans/testplan/reports/0000/"),
    ("get", "/plans/testplan/reports/2025/editions/{huge}/pdf/"),
])
def test_numbers_in_urls_beyond_their_columns_get_the_danish_404(client, editor, plan, method, path):
    client.force_login(editor)
    response = getattr(client, method)(path.format(huge=BEYOND_64_BITS, twenty=TWENTY_DIGITS))
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


@pytest.mark.parametrize("pk", [BEYOND_64_BITS, TWENTY_DIGITS, "-1", "0", "1.5"])
def test_ids_beyond_the_database_in_a_form_get_a_danish_message_and_write_nothing(client, editor, initiative, pk):
    client.force_login(editor)
    before = list(CrossLink.objects.values_list("pk", "direction_id"))
    response = client.post(reverse("initiative_cross_links", args=[initiative.pk]),
                           {"directions": [pk], "version": initiative.version})
    assert response.status_code == 422
    assert "Vælg blandt planens andre retninger." in response.content.decode()
    assert list(CrossLink.objects.values_list("pk", "direction_id")) == before


@pytest.mark.parametrize("since", ["0001-01-01", "01.01.0001", "1989-12-31"])
def test_dates_at_the_edge_of_the_calendar_in_a_query_string_get_a_danish_message(client, reader, plan, since):
    client.force_login(reader)
    response = client.get(reverse("plan_dashboard", args=[plan.slug]), {"since": since})
    assert response.status_code == 200  # the dashboard falls back to its default date
    assert "Datoen kan ikke ligge før 1990." in response.content.decode()


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "windows-1252"])
@pytest.mark.parametrize("url_name", ["initiative_status", "login"])
def test_a_form_posted_in_another_charset_gets_the_danish_400_page(editor, initiative, charset, url_name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get(reverse("initiative_detail", args=[initiative.pk]))  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    url = reverse(url_name, args=[initiative.pk] if url_name == "initiative_status" else [])
    body = f"csrfmiddlewaretoken={token}&status=on_track&version={initiative.version}&note=Blå".encode("latin-1")
    response = client.generic("POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code == 400
    assert "Ugyldig forespørgsel" in response.content.decode()
    assert not AuditEntry.objects.filter(model="statusupdate").exists()


def test_every_form_field_that_takes_ids_range_checks_them():
    """The kind, not only the examples: a model choice field that looks objects up by primary
    key is an IdsField (initiatives.forms), which refuses an id no column can hold before the
    query; one that looks up by another field (to_field_name) takes text and needs no check."""
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    unchecked = []
    for app in ("masterplan", "initiatives", "followup", "indicators", "reporting", "config"):
        for path in (base / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"forms\.Model(?:Multiple)?ChoiceField\((.{0,200})", text, re.S):
                if "to_field_name" not in match.group(1):
                    unchecked.append(f"{path.relative_to(base)}: {match.group(0)[:60]}")
    assert unchecked == []
