"""Without Redis, every process on the machine shares one cache: a change made by any of them
(an import, an unpublish in `manage.py shell`) shows on every server and worker at once.

Real processes, as a user runs them: a fresh SQLite database and cache directory, migrated and
filled by `manage.py`, then `manage.py runserver` (what `make run` starts) or gunicorn with three
workers (what `make serve` starts) on a free loopback port, with no REDIS_URL; the change comes
from a second `manage.py` process while the server runs. Bumps of a generation made by several
processes at once are all counted (a lost one would revive a stale page).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

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

SEED = """
import json
from tests.factories import PostFactory, UserFactory
editor = UserFactory(username="editor", is_staff=True, groups=["Editors"])
post = PostFactory(title="Read by every worker", author=editor)
print(json.dumps({"post": post.get_absolute_url(), "slug": post.slug}))
"""

IMPORTED = """---
title: Imported from another process
tags: [sharing]
---
Written while the server ran.
"""

UNPUBLISH = """
from blog.models import Post
post = Post.objects.get(slug={slug!r})
post.status = Post.Status.DRAFT
post.save()
"""


def site_env_in(folder: Path) -> dict[str, str]:
    """The environment of a site of its own in `folder`: database, cache directory and media;
    no Redis."""
    return production_env(
        without=["REDIS_URL", *(name for name in os.environ if name.startswith("PYTEST_"))],
        SECRET_KEY="shared-cache-test-key",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CACHE_DIR=str(folder / "cache"),
        MEDIA_ROOT=str(folder / "media"),
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        LOG_LEVEL="WARNING",
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A database migrated and seeded once for this module; what the seed made."""
    folder = tmp_path_factory.mktemp("migrated")
    return folder / "db.sqlite3", migrate_and_seed(site_env_in(folder), SEED)


@pytest.fixture
def site_env(tmp_path):
    return site_env_in(tmp_path)


@pytest.fixture
def seeded(migrated, tmp_path):
    """This test's copy of the migrated database (with an empty cache); what the seed made."""
    database, made = migrated
    shutil.copy(database, tmp_path / "db.sqlite3")
    return made


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run a manage.py command in a process of its own, as a user at a shell would."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def runserver(site_env, seeded, tmp_path):
    """`manage.py runserver` (no autoreloader) on a free port; stopped afterwards."""
    port = free_port()
    log = tmp_path / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=site_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, server, "runserver", log, healthy_at="/healthz")
        yield port
    finally:
        stop(server)


@pytest.fixture
def three_workers(site_env, seeded, tmp_path):
    """gunicorn with config/gunicorn.conf.py and three workers; stopped afterwards."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn({**site_env, "WEB_CONCURRENCY": "3"}, port, log)
    try:
        wait_until_up(port, server, "gunicorn", log, healthy_at="/healthz")
        yield port
    finally:
        stop(server)


LOCATIONS = (
    "from django.conf import settings; "
    "print(*(settings.CACHES[alias]['BACKEND'] + ' ' + settings.CACHES[alias]['LOCATION'] "
    "for alias in ('default', 'ratelimit')), sep='\\n')"
)


@pytest.mark.parametrize(
    ("cache_dir", "expected"),
    [
        (None, ROOT / ".cache"),
        ("var/cache", ROOT / "var" / "cache"),
        ("/srv/cache", Path("/srv/cache")),
    ],
)
def test_without_redis_every_command_uses_one_cache_directory_found_from_the_project(
    tmp_path, cache_dir, expected
):
    # Run from another directory: the cache must not depend on where a command is started.
    env = production_env(without={"REDIS_URL", "CACHE_DIR"}, SECRET_KEY="k")
    if cache_dir is not None:
        env["CACHE_DIR"] = cache_dir
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", LOCATIONS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"core.middleware.SharedDiskCache {expected / 'default'}",
        f"core.middleware.SharedDiskCache {expected / 'ratelimit'}",
    ]


def test_a_post_imported_by_another_process_shows_on_the_running_servers_index_at_once(
    site_env, runserver, tmp_path
):
    Browser(runserver).get("/")
    status, headers, index = Browser(runserver).get("/")
    assert status == 200
    assert headers["X-Page-Cache"] == "hit"
    assert "Imported from another process" not in index

    (tmp_path / "imported.md").write_text(IMPORTED)
    manage(site_env, "import_posts", str(tmp_path / "imported.md"), "--author", "editor")

    status, _, index = Browser(runserver).get("/")
    assert status == 200
    assert "Imported from another process" in index


def test_a_post_unpublished_from_another_process_is_gone_from_every_gunicorn_worker_at_once(
    site_env, seeded, three_workers
):
    # Many readers, each on a connection of its own, so that every worker has served the page
    # (and, with a cache per process, would keep its own copy).
    answers = [Browser(three_workers).get(seeded["post"]) for _ in range(60)]
    assert {status for status, _, _ in answers} == {200}
    assert sum(headers["X-Page-Cache"] == "hit" for _, headers, _ in answers) >= 55

    manage(site_env, "shell", "-c", UNPUBLISH.format(slug=seeded["slug"]))

    after = [Browser(three_workers).get(seeded["post"])[0] for _ in range(30)]
    assert after == [404] * 30


BUMPS = """
from blog import generations
for _ in range(300):
    generations.bump(generations.LISTINGS)
"""
LISTINGS = "from blog import generations; print(generations.current([generations.LISTINGS])[0])"


def test_generation_bumps_from_several_processes_at_once_are_all_counted(site_env, seeded):
    # A lost bump would let a page built before a change be served after it.
    start = int(manage(site_env, "shell", "-v0", "-c", LISTINGS).stdout)
    shells = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", BUMPS],
            cwd=ROOT,
            env=site_env,
        )
        for _ in range(4)
    ]
    assert [shell.wait(timeout=120) for shell in shells] == [0] * 4
    assert int(manage(site_env, "shell", "-v0", "-c", LISTINGS).stdout) == start + 4 * 300
