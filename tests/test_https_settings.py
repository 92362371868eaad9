"""HTTPS in production: the proxy header is believed only when set up; check --deploy is clean."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-like-secret-key-0123456789-abcdefghijklmnopq",
    "ALLOWED_HOSTS": "blog.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://blog.example.com",
    "SITE_URL": "https://blog.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
}


def run(args: list[str], **env) -> subprocess.CompletedProcess:
    """Run Python in a fresh environment holding only `env`: nothing leaks in from the test run
    (make test's variables, DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests...) or a .env."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def proxy_header_setting(**env) -> str:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.SECURE_PROXY_SSL_HEADER)"
    result = run(["-c", code], DEBUG="false", SECRET_KEY="k" * 50, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_x_forwarded_proto_is_trusted_only_when_the_environment_says_a_proxy_sets_it():
    assert proxy_header_setting() == "None"
    assert (
        proxy_header_setting(TRUST_X_FORWARDED_PROTO="true")
        == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


@pytest.mark.django_db
def test_a_client_claiming_https_over_plain_http_is_still_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert settings.SECURE_PROXY_SSL_HEADER is None  # the default: no proxy declared
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


@pytest.mark.django_db
def test_behind_a_declared_proxy_its_https_header_is_believed(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/", headers={"X-Forwarded-Proto": "http"}).status_code == 301


def test_check_deploy_with_production_settings_warns_only_about_hsts_preload():
    result = run(["manage.py", "check", "--deploy"], **PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert re.findall(r"\(([\w.]+\.[EW]\d+)\)", output) == ["security.W021"], output


def test_check_deploy_flags_a_production_start_without_https_settings():
    """The test above can fail: without the HTTPS variables, check --deploy does complain."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("SECURE_")}
    result = run(["manage.py", "check", "--deploy"], **env)
    found = set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", result.stdout + result.stderr))
    assert {"security.W004", "security.W008"} <= found
