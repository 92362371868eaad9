import copy
import os
from unittest import mock

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test.utils import override_settings

from blog.models import Post
from comments import counts, spam
from tests.factories import UserFactory

DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _clear_own_keys(cache: RedisCache) -> None:
    """RedisCache.clear() is FLUSHDB, which would also wipe the other xdist workers' keys (their
    cached pages, mid-test): in the tests it deletes this cache's own prefix only."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session", autouse=True)
def _cache_key_prefix_per_worker():
    """xdist workers share one Redis database (make test-postgres): each keeps its own keys, and
    clears only those."""
    from django.conf import settings

    config = copy.deepcopy(settings.CACHES)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for alias in config.values():
        prefix = alias.get("KEY_PREFIX", "")
        alias["KEY_PREFIX"] = "-".join(filter(None, [prefix, "test", worker_id]))
    with override_settings(CACHES=config), mock.patch.object(RedisCache, "clear", _clear_own_keys):
        yield


def clear_caches() -> None:
    """Empty every cache: pages, fragments, rate limits (on Redis, this worker's keys only)."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic, so skip the hashed-name manifest.

    tests/test_static_files.py checks the production storage on its own.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs ~0.3 s per test user; tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and cached pages live in the caches; no test inherits another's."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(autouse=True)
def _comment_counts_stay_true(request):
    """Every test leaves each post's stored comment counts equal to a live count.

    One query, after the test and before its database is rolled back or flushed; tests that
    never touch the database are left alone.
    """
    if not (
        request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames)
    ):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after this check
    yield
    drifted = [
        f"{post.title!r}: stored {post.approved_comment_count} approved/"
        f"{post.pending_comment_count} pending, live {post.live_approved_comment_count}/"
        f"{post.live_pending_comment_count}"
        for post in counts.drifted_posts()
    ]
    assert not drifted, "Stored comment counts drifted from the comments: " + "; ".join(drifted)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Every test that passes leaves each post's comment pages laid out as its comments make them
    (comments.counts): checked right after the test, with its settings (COMMENTS_PER_PAGE)."""
    result = yield
    if item.get_closest_marker("django_db") or DB_FIXTURES & set(item.fixturenames):
        unmark, mark = counts.out_of_date(Post.objects.all())
        assert not (unmark or mark), f"Comment pages out of date: (post, comment) {unmark | mark}"
    return result


@pytest.fixture(autouse=True)
def _spam_filter_cache_per_test():
    """Each test's database numbers the spam filter's versions from 0 again: no test may find
    another's model in this process's cache under the same version."""
    spam.CACHE.__init__()


@pytest.fixture
def spam_filter_off(db):
    """For tests of the moderators' own rules, whose spammy texts the filter would also catch:
    its thresholds at 1, which no score is above."""
    from comments.models import ModerationSettings

    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"spam_score_hold": 1, "spam_score_spam": 1}
    )


@pytest.fixture
def editor():
    return UserFactory(username="editor", is_staff=True, groups=["Editors"])


@pytest.fixture
def author():
    return UserFactory(username="author", is_staff=True, groups=["Authors"])


@pytest.fixture
def moderator():
    return UserFactory(username="moderator", is_staff=True, groups=["Moderators"])


@pytest.fixture
def demo_seed_post():
    """What `make run` shows: load_demo's posts, and the seed post with its demo comments."""
    from io import StringIO

    from django.core.management import call_command

    from blog import importing
    from blog.models import Post
    from core.management.commands.load_demo import SEED_FILE

    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    return Post.objects.get(slug=importing.parse_file(SEED_FILE).slug)
