"""Two app servers, one PostgreSQL, one Redis: what is moderated or published through one
server shows through the other on the very next request (issue 11, "prove the multi-server case").

Runs in the PostgreSQL leg (`make test-postgres`, which also sets REDIS_URL): it makes its own
database next to the test database, migrates it, fills it through a separate process, and
starts two gunicorn servers (DEBUG off, two workers each) on free loopback ports, both on that
database and on the same Redis under a key prefix of their own. A moderator logs in to the
admin of server A with a real POST (CSRF token and all) and approves a pending comment; server B,
which had the post page in its cache without the comment, shows the comment at once. An editor
publishes a draft through A; B's index, cached before, shows it at once.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "two servers, one cache"
SERVER_START_SECONDS = 40
HTTP_TIMEOUT_SECONDS = 15

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Browser:
    """A visitor talking to one server: keeps its cookies, follows no redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=HTTP_TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers, content

    def get(self, path: str):
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        status, _, content = self.get(path)
        assert status == 200, f"GET {path} answered {status}"
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert match, f"no CSRF token in the form at {path}"
        return match.group(1)

    def log_in(self, username: str) -> None:
        token = self.csrf_token("/admin/login/")
        status, headers, _ = self.request(
            "POST",
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "next": "/admin/",
            },
        )
        assert status == 302 and headers["Location"] == "/admin/", "admin login failed"

    def admin_action(self, changelist: str, action: str, pk: int) -> None:
        token = self.csrf_token(changelist)
        status, _, _ = self.request(
            "POST",
            changelist,
            {"csrfmiddlewaretoken": token, "action": action, "_selected_action": [pk]},
        )
        assert status == 302, f"the {action} action answered {status}"


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
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        ENV_FILE="",
        DEBUG="false",
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
    return env


@pytest.fixture
def seeded(server_env):
    """Migrate the new database and fill it from another process; what it made, by name."""
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env,
        check=True,
        timeout=180,
    )
    made = subprocess.run(
        [*manage, "shell", "-c", SEED],
        cwd=ROOT,
        env=server_env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(made.stdout.strip().splitlines()[-1])


@pytest.fixture
def servers(server_env, seeded, tmp_path):
    """Servers A and B (their ports), always stopped afterwards."""
    logs = tmp_path
    started, ports = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = logs / f"{name}.log"
            with log.open("w") as output:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "config/gunicorn.conf.py",
                        "config.wsgi",
                    ],
                    cwd=ROOT,
                    env={**server_env, "PORT": str(port)},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            wait_until_up(port, process, log)
            ports.append(port)
        yield ports
    finally:
        for process in started:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            status, _, _ = Browser(port).get("/healthz")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn on port {port} did not answer:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


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
    moderator.log_in("moderator")
    moderator.admin_action("/admin/comments/comment/", "approve_selected", seeded["comment"])

    status, headers, page = reader.get(seeded["post"])
    assert status == 200
    assert "Approved on A, read on B." in page
    assert headers["X-Page-Cache"] == "miss"  # built afresh, and cached for the next reader

    editor = Browser(port_a)
    editor.log_in("editor")
    editor.admin_action("/admin/blog/post/", "publish_selected", seeded["draft"])

    status, headers, index = reader.get("/")
    assert status == 200
    assert "Published on A, listed on B" in index
    assert headers["X-Page-Cache"] == "miss"
