"""The quick start runs with DEBUG on, and still shows users the portal's Danish
error pages, never Django's English debug pages (unless DJANGO_DEBUG_PAGES asks)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_start(settings):
    settings.DEBUG = True
    settings.DEBUG_PAGES = False


def test_unknown_url_in_the_quick_start_is_the_danish_404(client, editor, quick_start):
    client.force_login(editor)
    response = client.get("/findes/ikke/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Siden findes ikke" in body
    assert "Using the URLconf" not in body and "Page not found" not in body


def test_missing_object_in_the_quick_start_is_the_danish_404(client, editor, quick_start):
    client.force_login(editor)
    response = client.get("/initiatives/999999/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


def test_htmx_404_carries_a_message_for_the_place_it_is_shown(client, editor, quick_start):
    client.force_login(editor)
    response = client.post("/activities/999999/move/", {"move": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "findes ikke længere" in response.content.decode()
    assert "data-htmx-error" in response.content.decode()


def test_forbidden_in_the_quick_start_is_the_danish_403(client, reader, initiative, quick_start):
    client.force_login(reader)
    response = client.post(f"/initiatives/{initiative.pk}/status/", {"status": "done"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "Ingen adgang" in response.content.decode()
    assert "data-htmx-error" in response.content.decode()


def test_server_error_in_the_quick_start_is_the_static_danish_page(client, editor, initiative, quick_start,
                                                                   monkeypatch):
    from initiatives import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "detail_context", broken)
    client.force_login(editor)
    response = client.get(f"/initiatives/{initiative.pk}/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Der skete en fejl" in body and "Traceback" not in body and "boom" not in body


def test_developer_can_ask_for_the_debug_pages(client, editor, settings):
    settings.DEBUG = True
    settings.DEBUG_PAGES = True
    client.force_login(editor)
    response = client.get("/findes/ikke/")
    assert response.status_code == 404
    assert "Siden findes ikke" not in response.content.decode()
