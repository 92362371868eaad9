"""Settings for bench/load: the production settings plus /bench-ceiling/ (bench/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
