"""Standing test data: a small plan in one municipality, users of every role, and
an editor from another municipality (the outsider)."""

import os
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from initiatives.models import Activity, CrossLink, Initiative
from masterplan.models import Direction, Membership, Organization, Plan
from tests.sso_provider.fixtures import idp_browser, sso, sso_provider  # noqa: F401  (single sign-on)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, test in a file rather than in memory: threads of the concurrency tests
    (tests/test_concurrency.py) then get connections of their own, which wait for each
    other's locks as in production; an in-memory database shares one cache and fails
    them at once."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"test_masterplan_{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
        # A test database need not survive a power cut: no fsync on every commit.
        database.setdefault("OPTIONS", {})["init_command"] = "PRAGMA synchronous=OFF"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages (public site, dashboard) are keyed by ids that SQLite reuses after a
    test's rollback: every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    return Organization.objects.create(name="Testkommune", slug="testkommune")


@pytest.fixture
def other_org(db):
    return Organization.objects.create(name="Andenkommune", slug="andenkommune")


@pytest.fixture
def plan(org):
    return Plan.objects.create(
        organization=org, title="Testplan", slug="testplan", period_start=2024, period_end=2026
    )


@pytest.fixture
def directions(plan):
    return [
        Direction.objects.create(plan=plan, number=n, statement=f"Retning nummer {n} styrker borgerne.", order=n)
        for n in (1, 2, 3)
    ]


@pytest.fixture
def initiative(directions):
    initiative = Initiative.objects.create(
        direction=directions[0], number="1.1", title="Sagsbehandlingstider", goal="Kortere ventetid."
    )
    Activity.objects.create(initiative=initiative, year=2025, period="h1", text="Analyse af arbejdsgange.")
    CrossLink.objects.create(initiative=initiative, direction=directions[1])
    return initiative


def make_user(username, org=None, role=None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw", **extra)
    if org is not None:
        Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture
def reader(org):
    return make_user("laeser", org, Membership.Role.READER)


@pytest.fixture
def editor(org):
    return make_user("redaktoer", org, Membership.Role.EDITOR)


@pytest.fixture
def manager(org):
    return make_user("leder", org, Membership.Role.MANAGER)


@pytest.fixture
def org_admin(org):
    return make_user("kommuneadmin", org, Membership.Role.ADMIN)


@pytest.fixture
def outsider(other_org):
    return make_user("udefra", other_org, Membership.Role.EDITOR)


@pytest.fixture
def superuser(db):
    return make_user("superbruger", is_superuser=True, is_staff=True)


@pytest.fixture
def owner(org, initiative):
    """A reader of the municipality who owns (is the responsible user of) `initiative`."""
    user = make_user("tovholder", org, Membership.Role.READER, email="tovholder@example.invalid")
    initiative.responsible_user = user
    initiative.save()
    return user


@pytest.fixture
def other_owner(org, directions):
    """A reader of the municipality who owns another initiative of the same plan."""
    user = make_user("andentovholder", org, Membership.Role.READER, email="anden@example.invalid")
    Initiative.objects.create(direction=directions[1], number="2.1", title="Et andet initiativ",
                              responsible_user=user)
    return user
