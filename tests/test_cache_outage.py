"""Redis unreachable: a reader's comment is still taken, pages still work, /healthz says so.

The cache is the real Redis client pointed at a real socket that fails: a port where nothing
listens (connection refused) or a listener that accepts and never answers (a hung Redis), with
the socket timeout config/settings.py sets. No mocks.
"""

import logging
import socket
import time

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from scripts.loopback import free_port as port_where_nothing_listens
from tests.factories import CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["refusing", "silent"])
def unreachable_redis(request, settings):
    """REDIS_URL pointing at a dead port, or at a listener that never answers."""
    listener = None
    if request.param == "refusing":
        port = port_where_nothing_listens()
    else:
        # The kernel completes the TCP handshake for the backlog; nobody ever reads or replies.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
    redis = {
        "BACKEND": "core.failsafe_cache.FailSafeRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/10",
        "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
    }
    settings.CACHES = {"default": redis, "ratelimit": {**redis, "FALLBACK": "memory"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield request.param
    if listener is not None:
        listener.close()


def submit(client, post, **data):
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    return client.post(url, CommentFormDataFactory(post=post, **data))


def test_a_comment_sent_while_redis_is_unreachable_is_stored_once_and_shown_to_its_author(
    unreachable_redis, caplog
):
    post = PostFactory()
    reader = Client()
    with caplog.at_level(logging.WARNING, logger="core.failsafe_cache"):
        started = time.monotonic()
        response = submit(reader, post, body="Written while Redis was down")
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2
    assert Comment.objects.filter(body="Written while Redis was down").count() == 1
    assert "Cache unreachable" in caplog.text
    # The session (cached_db) was written to the database: the reader sees their pending comment.
    page = reader.get(post.get_absolute_url())
    assert page.status_code == 200
    assert "Written while Redis was down" in page.content.decode()


def test_pages_and_the_admin_login_work_while_redis_is_unreachable(unreachable_redis, client):
    post = PostFactory()
    assert client.get("/").status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200


def test_comment_rate_limit_falls_back_to_a_lower_limit_per_process(
    unreachable_redis, settings, monkeypatch
):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "_get_window", lambda value, period: 0)
    settings.COMMENT_RATE_LIMIT = "5/m"
    settings.COMMENT_RATE_LIMIT_DEGRADED = "2/m"
    post = PostFactory()
    client = Client(REMOTE_ADDR="192.0.2.9")
    assert submit(client, post, body="First").status_code == 302
    assert submit(client, post, body="Second").status_code == 302
    assert submit(client, post, body="Third").status_code == 429
    assert Comment.objects.count() == 2
    # Another address has its own count.
    assert submit(Client(REMOTE_ADDR="192.0.2.10"), post, body="Elsewhere").status_code == 302


def test_healthz_says_the_cache_is_down_while_the_site_answers(unreachable_redis, client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


def test_a_hung_redis_costs_one_socket_timeout_per_process_not_one_per_call(settings):
    from django.core.cache import caches

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        settings.CACHES = {
            "default": {
                "BACKEND": "core.failsafe_cache.FailSafeRedisCache",
                "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/10",
                "OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3},
            },
        }
        cache = caches["default"]
        started = time.monotonic()
        assert cache.get("a", "fallback") == "fallback"
        for n in range(50):
            cache.set(f"k{n}", n)
            assert cache.get(f"k{n}") is None
        assert time.monotonic() - started < 1.5
        assert cache.degraded


def test_the_cache_is_used_again_once_redis_answers(settings, monkeypatch):
    import os

    from core import failsafe_cache

    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        pytest.skip("REDIS_TEST_URL is not set (make test and make test-postgres set it)")
    from django.core.cache import caches

    monkeypatch.setattr(failsafe_cache, "RETRY_AFTER", 0.2)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES = {
        "default": {
            "BACKEND": "core.failsafe_cache.FailSafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port_where_nothing_listens()}/10",
            "KEY_PREFIX": f"blog-test-recovery-{worker}",
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
            "ON_RECOVERY": "blog.generations.bump_everything",
        },
    }
    cache = caches["default"]
    assert cache.set("back", 1) is None and cache.degraded
    # Redis "comes back": the same backend object, now pointed at the real server.
    cache._servers = [url]
    cache.__dict__.pop("_cache", None)
    time.sleep(0.25)
    from blog import generations

    cache.set("back", "yes")
    assert cache.get("back") == "yes"
    assert not cache.degraded
    # Invalidations missed during the outage: every cached page gets a new generation.
    scopes = [generations.POSTS, generations.LISTINGS, generations.COMMENT_RULES]
    keys = [generations.KEY_PREFIX + scope for scope in scopes]
    assert all(isinstance(cache.get(key), int) for key in keys)
    cache.delete_many(["back", *keys])
