"""Every URL of the portal answers only the methods it serves; PUT, PATCH and DELETE
(which no page uses) get 405 everywhere, with an Allow header."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# A value for each URL argument: the method is refused before the object is fetched.
EXAMPLE_ARGS = {"slug": "testplan", "pk": 1, "year": 2025, "number": 1, "uidb64": "MQ", "token": "set-password"}


def portal_url_names(patterns=None, namespace=""):
    """Every named URL ("namespace:name"), the admin aside (it has its own permission system)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from portal_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern


def example_url(name, pattern):
    return reverse(name, kwargs={key: EXAMPLE_ARGS[key] for key in pattern.pattern.converters})


NAMES = sorted(name for name, _ in portal_url_names())
# The API's root serves nothing at all (its documentation is off): 404 for every method.
NOTHING_THERE = {"api:api-root"}


def test_the_walk_finds_the_portal():
    assert {"home", "plan_detail", "initiative_status", "report_pdf", "plan_import", "login", "set_language"} <= set(NAMES)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("name", NAMES)
def test_methods_no_page_uses_get_405(client, superuser, plan, name, method):
    client.force_login(superuser)
    pattern = dict(portal_url_names())[name]
    response = client.generic(method, example_url(name, pattern))
    if name in NOTHING_THERE:
        assert response.status_code == 404
        return
    assert response.status_code == 405, (name, response.status_code)
    assert "GET" in response["Allow"] or "POST" in response["Allow"]


@pytest.mark.parametrize("name", ["home", "plan_detail", "initiative_detail", "plan_history", "plan_dashboard",
                                  "direction_detail", "report_preview"])
def test_read_only_pages_refuse_post(client, superuser, plan, name):
    client.force_login(superuser)
    pattern = dict(portal_url_names())[name]
    assert client.post(example_url(name, pattern)).status_code == 405
