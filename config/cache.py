"""The shared cache (DJANGO_CACHE_URL): Django's Redis backend, keeping its clients.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache call, and
redis-py 8 builds its table of some 170 response callbacks in each: 0.2 ms a call, which was
most of what a page served from the cache cost. A `redis.Redis` on a connection pool is
meant to be kept and shared by threads (each command takes a connection from the pool), so
here there is one per pool.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
