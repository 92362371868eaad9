"""The test suite's settings: the project's own, never what a developer's .env says."""

import os

os.environ["ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "insecure-test-key")

from config.settings import *  # noqa: E402, F403

# Mail tasks run at once, so tests read mail.outbox; tests/test_mail_outage.py runs the database
# backend and its real worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
