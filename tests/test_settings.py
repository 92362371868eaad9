"""Settings come from the environment; a production-like start without a secret refuses to run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_django(
    code: str, *, settings_module: str = "config.settings", **env_overrides
) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with the given settings; ENV_FILE="" (no .env) unless set.

    An override of None removes that variable.
    """
    unset = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ENV_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update({"ENV_FILE": "", **env_overrides, "DJANGO_SETTINGS_MODULE": settings_module})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={k: v for k, v in env.items() if v is not None},
        capture_output=True,
        text=True,
        timeout=60,
    )


def printing(*expressions: str) -> str:
    """Code for run_django that sets Django up and prints `expressions` (`s` is the settings)."""
    return (
        "import django; django.setup(); from django.conf import settings as s; "
        f"print({', '.join(expressions)})"
    )


PRINT_SETTINGS = printing("s.DEBUG", "s.SECRET_KEY", "s.DATABASES['default']['ENGINE']")


@pytest.fixture
def dotenv(tmp_path) -> Path:
    """A .env as the first `make run` writes it (the Makefile's own rule, in a scratch folder)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    subprocess.run(
        ["make", "-s", ".env", f"PYTHON={sys.executable}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tmp_path / ".env"


def dotenv_values(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_debug_off_without_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    # As in production: no .env file and no SECRET_KEY.
    missing = tmp_path / ".env"
    result = run_django("import django; django.setup()", DEBUG="false", ENV_FILE=str(missing))
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_settings_are_read_from_the_environment():
    code = printing(
        "s.DEBUG",
        "s.ALLOWED_HOSTS",
        "s.TIME_ZONE",
        "s.DATABASES['default']['ENGINE']",
        "s.CACHES['default']['BACKEND']",
        "s.COMMENT_IP_RETENTION_DAYS",
    )
    result = run_django(
        code,
        DEBUG="false",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="blog.example.com,www.example.com",
        TIME_ZONE="Europe/Paris",
        DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        REDIS_URL="redis://127.0.0.1:6379/1",
        COMMENT_IP_RETENTION_DAYS="7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['blog.example.com',",
        "'www.example.com']",
        "Europe/Paris",
        "django.db.backends.postgresql",
        "core.failsafe_cache.FailSafeRedisCache",
        "7",
    ]


def test_default_database_is_a_sqlite_file_in_the_project():
    code = printing("s.DATABASES['default']['NAME']")
    result = run_django(code, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / "db.sqlite3")


@pytest.mark.django_db
def test_createsuperuser_noinput_uses_django_superuser_variables(monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-random-password-42")
    call_command("createsuperuser", interactive=False, verbosity=0)
    boss = get_user_model().objects.get(username="boss")
    assert boss.is_superuser and boss.check_password("a-long-random-password-42")


def test_make_writes_a_dotenv_once_with_a_random_key_and_debug_on(dotenv, tmp_path):
    values = dotenv_values(dotenv)
    assert values["DEBUG"] == "true"
    assert len(values["SECRET_KEY"]) >= 50
    written = dotenv.read_text()
    subprocess.run(["make", "-s", ".env"], cwd=tmp_path, check=True, timeout=60)
    assert dotenv.read_text() == written
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ROOT / "Makefile", other / "Makefile")
    subprocess.run(["make", "-s", ".env", f"PYTHON={sys.executable}"], cwd=other, check=True)
    assert dotenv_values(other / ".env")["SECRET_KEY"] != values["SECRET_KEY"]


def test_the_dotenv_file_is_git_ignored():
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", ".env"], cwd=ROOT, timeout=60
    )
    assert result.returncode == 0


def test_manage_py_commands_start_with_only_the_dotenv_and_no_variables(dotenv):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "ENV_FILE": str(dotenv)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    result = run_django(PRINT_SETTINGS, ENV_FILE=str(dotenv))
    assert result.stdout.split()[:2] == ["True", dotenv_values(dotenv)["SECRET_KEY"]]


def test_settings_read_the_dotenv_in_the_project_by_default():
    code = printing("s.ENV_FILE")
    result = run_django(code, DEBUG="true", ENV_FILE=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / ".env")


def test_environment_variables_win_over_the_dotenv(dotenv):
    result = run_django(PRINT_SETTINGS, ENV_FILE=str(dotenv), DEBUG="false", SECRET_KEY="e" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["False", "e" * 50]


def test_the_test_suite_settings_ignore_a_developers_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DEBUG=true\nSECRET_KEY=from-dotenv\nDATABASE_URL=postgres://x@nowhere/db\n")
    result = run_django(PRINT_SETTINGS, settings_module="tests.settings", ENV_FILE=str(dotenv))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "insecure-test-key", "django.db.backends.sqlite3"]


def test_this_test_run_reads_no_dotenv(settings):
    assert settings.ENV_FILE == ""


def test_postgres_database_url_keeps_connections_open_with_health_checks():
    database = "s.DATABASES['default']"
    code = printing(
        f"{database}['ENGINE']", f"{database}['CONN_MAX_AGE']", f"{database}['CONN_HEALTH_CHECKS']"
    )
    result = run_django(code, DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "60", "True"]


def test_sqlite_is_opened_for_concurrent_writers():
    options = "s.DATABASES['default']['OPTIONS']"
    code = printing(
        f"{options}['transaction_mode']", f"{options}['timeout']", f"{options}['init_command']"
    )
    result = run_django(code, DEBUG="true", DATABASE_URL="sqlite:////tmp/blog.sqlite3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["IMMEDIATE", "20"]
    assert "journal_mode=WAL" in result.stdout


def test_sessions_use_the_cache_only_when_redis_is_shared():
    code = printing("s.SESSION_ENGINE")
    with_redis = run_django(code, DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/1")
    without = run_django(code, DEBUG="true", REDIS_URL="")
    assert with_redis.stdout.strip() == "django.contrib.sessions.backends.cached_db"
    assert without.stdout.strip() == "django.contrib.sessions.backends.db"


def test_an_s3_bucket_moves_media_to_s3_and_django_stops_serving_media():
    code = printing("s.STORAGES['default']['BACKEND']", "s.SERVE_MEDIA")
    on_s3 = run_django(code, DEBUG="true", AWS_STORAGE_BUCKET_NAME="blog-media")
    local = run_django(code, DEBUG="true", AWS_STORAGE_BUCKET_NAME="")
    assert on_s3.stdout.split() == ["storages.backends.s3.S3Storage", "False"]
    assert local.stdout.split() == ["django.core.files.storage.FileSystemStorage", "True"]
