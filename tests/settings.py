"""The test suite's settings: the project's own, never what a developer's .env says."""

import os

os.environ["ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "insecure-test-key")

from config.settings import *  # noqa: E402, F403
