"""DJANGO_CACHE_URL: a shared Redis cache for every worker; sessions stay in the database.

The settings are read in a fresh process (they are evaluated once per process); the
sessions are tried against this machine's Redis when one answers on 127.0.0.1:6379.
"""

import socket
import sys

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.test_production import production_env, run

REDIS = "redis://127.0.0.1:6379/15"
SHOW = ("import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)")


def test_without_a_cache_url_each_process_has_its_own_cache_and_sessions_stay_in_the_database():
    result = run([sys.executable, "-c", SHOW], production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache", "config.sessions"]


def test_a_redis_url_shares_the_cache_and_sessions_stay_in_the_database():
    """Read there with their user in one query (config.sessions): the cache would add a trip."""
    result = run([sys.executable, "-c", SHOW], production_env(DJANGO_CACHE_URL=REDIS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.cache.RedisCache", "config.sessions"]


def test_any_other_cache_url_refuses_to_start():
    result = run([sys.executable, "manage.py", "check"], production_env(DJANGO_CACHE_URL="memcached://127.0.0.1:11211"))
    assert result.returncode != 0
    assert "DJANGO_CACHE_URL must be a redis://, rediss:// or unix:// address" in result.stderr


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def shared_cache():
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    with override_settings(CACHES={"default": {"BACKEND": "config.cache.RedisCache",
                                               "LOCATION": REDIS, "KEY_PREFIX": "masterplan-test"}}):
        cache.clear()
        yield cache
        cache.clear()


def test_a_logout_ends_the_session_in_every_worker(shared_cache, editor, plan):
    """Two clients with the same cookie stand for two workers with the one shared cache:
    what one logs out, the other no longer accepts (the session is in the database)."""
    first = Client()
    first.force_login(editor)
    key = first.cookies["sessionid"].value
    second = Client()
    second.cookies["sessionid"] = key
    assert second.get(plan.get_absolute_url()).status_code == 200
    assert first.post("/accounts/logout/").status_code == 302
    response = second.get(plan.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_redis_cache_keeps_one_client_per_pool_and_works(shared_cache):
    """Django makes a new redis.Redis for each call (0.2 ms each with redis-py 8); ours keeps it."""
    client = shared_cache._cache
    assert client.get_client(write=True) is client.get_client(write=True) is client.get_client()
    shared_cache.set("greeting", {"da": "hej"}, 30)
    assert shared_cache.get("greeting") == {"da": "hej"}
    assert shared_cache.get_many(["greeting", "absent"]) == {"greeting": {"da": "hej"}}
    shared_cache.delete("greeting")
    assert shared_cache.get("greeting") is None
