"""Two app servers, one PostgreSQL, one Redis: what is moderated or published through one
server shows through the other on the very next request (issue 11, "prove the multi-server case").

Runs in the PostgreSQL leg (`make test-postgres`, which also sets REDIS_URL): it makes its own
database next to the test database, migrates it, fills it through a separate process, and
starts two gunicorn servers (DEBUG off, two workers each) on free loopback ports, both on that
database and on the same Redis under a key prefix of their own. A moderator logs in to the
admin of server A with a real POST (CSRF token and all) and approves a pending comment; server B,
which had the post page in its cache without the comment, shows the comment at once. An editor
publishes a draft through A; B's index, cached before, shows it at once. And the spam filter
that A's moderator teaches (the task worker learning, as in production) is the one B scores with.
"""

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from scripts.loopback import (
    ROOT,
    Browser,
    free_port,
    migrate_and_seed,
    production_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "two servers, one cache"

pytestmark = [
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL: runs in `make test-postgres` (DATABASE_URL is not PostgreSQL)",
    ),
    pytest.mark.skipif(
        not REDIS_URL, reason="needs a shared Redis: runs in `make test-postgres` (no REDIS_URL)"
    ),
]

# Run by `manage.py shell` against the new database: what the servers will show.
SEED = f"""
import json
from tests.factories import CommentFactory, PostFactory, UserFactory
moderator = UserFactory(username="moderator", is_staff=True, groups=["Moderators"])
editor = UserFactory(username="editor", is_staff=True, groups=["Editors"])
for user in (moderator, editor):
    user.set_password({PASSWORD!r})
    user.save()
post = PostFactory(title="Served by two servers", author=editor)
comment = CommentFactory(post=post, body="Approved on A, read on B.", author_name="Ada")
draft = PostFactory(title="Published on A, listed on B", author=editor, draft=True)
print(json.dumps({{"post": post.get_absolute_url(), "comment": comment.pk, "draft": draft.pk}}))
"""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def database():
    """A new PostgreSQL database beside the test database, migrated; dropped afterwards."""
    import psycopg

    name = f"{urlsplit(DATABASE_URL).path.lstrip('/')}_two_servers_{os.getpid()}"
    maintenance = with_database(DATABASE_URL, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(DATABASE_URL, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cache_prefix():
    """The servers' keys in the shared Redis, removed afterwards."""
    import redis

    prefix = f"two-servers-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def server_env(database, cache_prefix, tmp_path):
    return production_env(
        without=[name for name in os.environ if name.startswith("PYTEST_")],
        SECRET_KEY="two-servers-test-key",
        SECURE_COOKIES="false",  # plain HTTP on loopback
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=cache_prefix,
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
    )


@pytest.fixture
def seeded(server_env):
    """Migrate the new database and fill it from another process; what it made, by name."""
    return migrate_and_seed(server_env, SEED)


@pytest.fixture
def servers(server_env, seeded, tmp_path):
    """Servers A and B (their ports), always stopped afterwards."""
    started, ports = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            process = start_gunicorn(server_env, port, log)
            started.append(process)
            wait_until_up(port, process, "gunicorn", log, healthy_at="/healthz")
            ports.append(port)
        yield ports
    finally:
        for process in started:
            stop(process)


def read_twice(reader: Browser, path: str) -> str:
    """Read a page twice; the second answer comes from the shared page cache."""
    reader.get(path)
    status, headers, content = reader.get(path)
    assert status == 200
    assert headers["X-Page-Cache"] == "hit", f"{path} was not served from the page cache"
    return content


def test_an_approval_and_a_publication_through_one_server_show_through_the_other_at_once(
    seeded, servers
):
    port_a, port_b = servers
    reader = Browser(port_b)
    cached = read_twice(reader, seeded["post"])
    assert "Served by two servers" in cached
    assert "Approved on A, read on B." not in cached
    assert "Published on A, listed on B" not in read_twice(reader, "/")

    moderator = Browser(port_a)
    moderator.log_in("moderator", PASSWORD)
    moderator.admin_action("/admin/comments/comment/", "approve_selected", seeded["comment"])

    status, headers, page = reader.get(seeded["post"])
    assert status == 200
    assert "Approved on A, read on B." in page
    assert headers["X-Page-Cache"] == "miss"  # built afresh, and cached for the next reader

    editor = Browser(port_a)
    editor.log_in("editor", PASSWORD)
    editor.admin_action("/admin/blog/post/", "publish_selected", seeded["draft"])

    status, headers, index = reader.get("/")
    assert status == 200
    assert "Published on A, listed on B" in index
    assert headers["X-Page-Cache"] == "miss"


# Made by `manage.py shell` against the servers' database: 40 comments to decide, and the form
# stamp a reader's browser would send with a new comment.
SPAM_SEED = """
import json, time
from comments.forms import sign_form_time
from tests.factories import CommentFactory, PostFactory
post = PostFactory(title="Where spam is taught")
spam = [
    CommentFactory(post=post, body=f"Zorblax gummies {n}: the vorpal supplement, order zorblax")
    for n in range(20)
]
ham = [
    CommentFactory(post=post, body=f"Comment {n}: we caught the early ferry to the isles, thanks")
    for n in range(20)
]
print(json.dumps({
    "post": post.pk,
    "spam": [c.pk for c in spam],
    "ham": [c.pk for c in ham],
    "stamp": sign_form_time(post.pk, time.time() - 60),
}))
"""


def test_what_moderators_teach_through_one_server_the_other_scores_with(
    server_env, seeded, servers
):
    import psycopg

    port_a, port_b = servers
    made = migrate_and_seed(server_env, SPAM_SEED)
    moderator = Browser(port_a)
    moderator.log_in("moderator", PASSWORD)
    for action, pks in [("mark_selected_spam", made["spam"]), ("approve_selected", made["ham"])]:
        token = moderator.csrf_token("/admin/comments/comment/")
        selected = {"csrfmiddlewaretoken": token, "action": action, "_selected_action": pks}
        status, _, _ = moderator.request("POST", "/admin/comments/comment/", selected)
        assert status == 302
    run_task_worker(server_env)  # learns the two decisions, as db_worker does in production

    fresh = "Zorblax gummies, the vorpal supplement: order zorblax today"
    status, _, _ = Browser(port_b).request(
        "POST",
        f"/comments/post/{made['post']}/",
        {
            "author_name": "Bob",
            "author_email": "bob@example.com",
            "body": fresh,
            "stamp": made["stamp"],
            "honeypot": "",
        },
    )
    assert status == 302
    with psycopg.connect(server_env["DATABASE_URL"]) as connection:
        stored = connection.execute(
            "SELECT status, moderation_reasons FROM comments_comment WHERE body = %s", [fresh]
        ).fetchone()
        version, decisions = connection.execute(
            "SELECT version, decisions FROM comments_spamfilter"
        ).fetchone()
    assert decisions == 40 and version >= 2
    assert stored[0] == "spam"
    assert any(reason.startswith("spam score ") for reason in stored[1])


def run_task_worker(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
