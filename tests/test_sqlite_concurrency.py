"""SQLite in production: many simultaneous writers wait their turn instead of failing."""

import json
import subprocess
import sys
from pathlib import Path

from scripts.loopback import ROOT, production_env


def post_comments_at_once(database: Path, writers: int, **env_overrides) -> dict:
    env = production_env(
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="concurrency-test-key",
        ALLOWED_HOSTS="testserver",
        EMAIL_URL="memorymail://",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        LOG_LEVEL="ERROR",
        **env_overrides,
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_writers", str(writers)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_fifty_simultaneous_comment_posts_on_sqlite_are_all_stored_without_lock_errors(tmp_path):
    outcome = post_comments_at_once(tmp_path / "blog.sqlite3", 50)
    assert outcome["errors"] == []
    assert outcome["statuses"] == [302] * 50
    assert outcome["stored"] == 50
    assert outcome["pending_count"] == 50  # each recount ran inside its own write transaction
    assert outcome["journal_mode"] == "wal"
