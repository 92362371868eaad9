"""The test suite's settings: the project's own, never what a developer's .env says."""

import atexit
import os
import shutil
import tempfile

os.environ["ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "insecure-test-key")
# Each test process (each xdist worker) has a cache directory of its own, never the project's
# .cache of `make run`; the servers and commands a test starts inherit it through CACHE_DIR, and
# tests/conftest.py empties it around every test.
os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="blogcms-test-cache-")
atexit.register(shutil.rmtree, os.environ["CACHE_DIR"], ignore_errors=True)

from config.settings import *  # noqa: E402, F403

# Mail tasks run at once, so tests read mail.outbox; tests/test_mail_outage.py runs the database
# backend and its real worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
