"""With REDIS_URL, sessions and comment rate limits live in Redis, shared by every app server.

These run against the real Redis at REDIS_TEST_URL (the Makefile sets it; `make test-postgres`
also runs the whole suite on it). Each xdist worker uses its own key prefix.
"""

import os

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.factories import CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis, as REDIS_URL configures it in production."""
    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        pytest.skip("REDIS_TEST_URL is not set (make test and make test-postgres set it)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # As config/settings.py builds them; the two aliases share a prefix here so that one
    # clear() empties both.
    redis = {
        "BACKEND": "core.failsafe_cache.FailSafeRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": f"blog-test-redis-{worker}",
    }
    settings.CACHES = {"default": redis, "ratelimit": {**redis, "FALLBACK": "memory"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def redis_keys(cache) -> list[str]:
    client = cache._cache.get_client()
    return sorted(key.decode() for key in client.scan_iter(match=f"{cache.key_prefix}:*"))


def submit(client, post, **data):
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    return client.post(url, CommentFormDataFactory(post=post, **data))


def test_settings_with_redis_url_use_the_redis_cache_and_cached_sessions(redis_cache, settings):
    assert redis_cache.__class__.__name__ == "FailSafeRedisCache"
    redis_cache.set("greeting", "hello")
    assert redis_cache.get("greeting") == "hello"
    assert any(key.endswith(":greeting") for key in redis_keys(redis_cache))


def test_a_visitors_session_is_stored_in_redis_and_read_back_from_it(redis_cache):
    post = PostFactory()
    visitor = Client()
    assert submit(visitor, post, body="Waiting for a moderator").status_code == 302
    session_key = visitor.cookies["sessionid"].value
    assert any(key.endswith(session_key) for key in redis_keys(redis_cache))
    # Another app server sharing the Redis knows the visitor: their pending comment shows.
    other_server = Client()
    other_server.cookies["sessionid"] = session_key
    assert "Waiting for a moderator" in other_server.get(post.get_absolute_url()).content.decode()


def test_comment_rate_limit_counts_in_redis(redis_cache, monkeypatch):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "_get_window", lambda value, period: 0)
    post = PostFactory()
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(5):
        assert submit(client, post, body=f"Comment {n}").status_code == 302
    assert submit(client, post, body="One too many").status_code == 429
    assert any(":rl:" in key for key in redis_keys(redis_cache))
    redis_cache.clear()  # the counter lived in Redis and nowhere else
    assert submit(client, post, body="Counter gone").status_code == 302


def test_clearing_one_workers_cache_leaves_other_keys_in_the_redis_database(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    client.set("someone-elses-key", "kept")
    try:
        redis_cache.set("mine", 1)
        redis_cache.clear()
        assert redis_cache.get("mine") is None
        assert client.get("someone-elses-key") == b"kept"
    finally:
        client.delete("someone-elses-key")
