"""The accessibility statement (/tilgaengelighed/): public, filled in from the admin,
with the compliance status and a real link to Digitaliseringsstyrelsen's guidance."""

import datetime

import pytest

from masterplan.models import AccessibilityStatement

pytestmark = pytest.mark.django_db


def test_unfilled_statement_is_honest_and_has_no_placeholders(client):
    page = client.get("/tilgaengelighed/").content.decode()
    assert "overholder delvist WCAG 2.1 niveau AA" in page
    assert "omfattet af webtilgængelighedsloven" in page and "bygget efter" not in page
    assert "Udfyldes af kommunen" not in page
    assert "endnu ikke angivet, hvor du kan henvende dig" in page
    assert 'href="https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/"' in page


def test_statement_filled_in_the_admin_shows_who_did_what_when(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/masterplan/accessibilitystatement/add/", {
        "authority": "Svendborg Kommune, Socialafdelingen",
        "contact_email": "tilgaengelighed@example.dk", "contact_phone": "62 23 30 00",
        "response_time": "Vi svarer inden for 10 arbejdsdage.",
        "compliance": "partial", "known_problems": "- Kortet over tilbud kan ikke bruges med tastatur.",
        "method": "external", "method_description": "Gennemgået med tastatur og NVDA af Tilgængelighedsfirmaet.",
        "prepared_on": "2026-11-02", "prepared_by": "Anne Andersen", "reviewed_on": "2026-10-15",
        "complaints_url": "https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AccessibilityStatement.objects.get().prepared_on == datetime.date(2026, 11, 2)
    client.logout()
    page = client.get("/tilgaengelighed/").content.decode()
    for text in ["Svendborg Kommune, Socialafdelingen ønsker", 'href="mailto:tilgaengelighed@example.dk"',
                 "62 23 30 00", "Vi svarer inden for 10 arbejdsdage.",
                 "<li>Kortet over tilbud kan ikke bruges med tastatur.</li>",
                 "En ekstern part har evalueret portalen: Gennemgået med tastatur og NVDA",
                 "udarbejdet den 2. november 2026 af Anne Andersen", "senest gennemgået den 15. oktober 2026"]:
        assert text in page, text
    assert "endnu ikke angivet" not in page


def test_only_one_statement_can_be_added(client, superuser):
    AccessibilityStatement.objects.create()
    client.force_login(superuser)
    assert client.get("/admin/masterplan/accessibilitystatement/add/").status_code == 403
