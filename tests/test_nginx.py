"""deploy/nginx.conf for real: scripts/check_nginx.py starts nginx on loopback in front of
gunicorn and checks the micro-cache (MISS then HIT), an invalidation after its TTL, and that
post pages, the same for every reader, are kept too. Skipped only when nginx is missing and we
cannot install it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MISSING = 2  # the script's exit status when nginx is absent and we are not root


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the check uses its own SQLite database: it runs once, in `make test`",
)
def test_nginx_with_the_example_config_caches_the_index_and_shows_a_publication_after_its_ttl():
    run = subprocess.run(
        [sys.executable, "scripts/check_nginx.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if run.returncode == MISSING:
        pytest.skip(run.stderr.strip())
    assert run.returncode == 0, run.stdout + run.stderr
    assert "index, twice: X-Cache-Status MISS, then HIT" in run.stdout
    assert "(new post)" in run.stdout
    assert "index once more: X-Cache-Status HIT" in run.stdout
    assert "post page, twice: MISS, then HIT" in run.stdout
    assert "post page for the logged-in editor (session cookie), twice: BYPASS, then BYPASS" in (
        run.stdout
    )
