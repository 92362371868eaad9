"""`make serve`: gunicorn with config/gunicorn.conf.py, DEBUG off, whitenoise static files."""

import json
import multiprocessing
import runpy
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from scripts.loopback import ROOT, free_port, production_env, start_gunicorn, stop, wait_until_up

CONFIG = ROOT / "config" / "gunicorn.conf.py"


def test_gunicorn_workers_default_to_two_per_cpu_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("PORT", "8123")
    config = runpy.run_path(str(CONFIG))
    assert config["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert config["bind"] == "127.0.0.1:8123"
    assert config["control_socket_disable"] is True  # several servers on one machine


def test_gunicorn_workers_follow_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONFIG))["workers"] == 3


@pytest.fixture
def serve_env(tmp_path):
    return production_env(
        without={"REDIS_URL", "STATICFILES_BACKEND"},
        SECRET_KEY="serve-test-key",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="WARNING",
    )


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_gunicorn_serves_the_site_with_hashed_compressed_long_cached_static_files(
    serve_env, tmp_path
):
    python = [sys.executable, "manage.py"]
    subprocess.run(
        [*python, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=serve_env, check=True
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["css/site.css"]
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn({**serve_env, "WEB_CONCURRENCY": "1"}, port, log)
    try:
        wait_until_up(port, server, "gunicorn", log, healthy_at="/healthz", seconds=30)
        base = f"http://127.0.0.1:{port}"
        status, _, body = get(f"{base}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert hashed_css != "css/site.css"
        status, headers, _ = get(f"{base}/static/{hashed_css}", **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in headers["Cache-Control"]
        assert "immutable" in headers["Cache-Control"]
    finally:
        stop(server)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_claiming_https(url: str) -> int:
    opener = urllib.request.build_opener(NoRedirects)
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("trust", "status"), [("false", 301), ("true", 200)])
def test_x_forwarded_proto_from_a_local_client_counts_only_when_trust_is_on(
    serve_env, tmp_path, trust, status
):
    """Over plain HTTP from 127.0.0.1 (FORWARDED_ALLOW_IPS), a request saying it came over HTTPS
    is redirected to HTTPS unless TRUST_X_FORWARDED_PROTO is on."""
    env = {**serve_env, "WEB_CONCURRENCY": "1", "SECURE_SSL_REDIRECT": "true"}
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn({**env, "TRUST_X_FORWARDED_PROTO": trust}, port, log)
    try:
        wait_until_up(port, server, "gunicorn", log, seconds=30)
        assert status_claiming_https(f"http://127.0.0.1:{port}/robots.txt") == status
    finally:
        stop(server)
