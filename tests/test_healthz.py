"""/healthz tells a load balancer whether this server can reach its database and cache."""

import json
import subprocess
import sys

import pytest

from scripts.loopback import ROOT, production_env
from scripts.loopback import free_port as port_where_nothing_listens


@pytest.mark.django_db
def test_healthz_is_200_json_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "down": [],
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_naming_the_cache_when_redis_does_not_answer(client, settings):
    port = port_where_nothing_listens()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "cache": "down",
        "storage": "ok",
        "down": ["cache"],
    }


def test_healthz_is_503_naming_the_database_when_postgresql_does_not_answer():
    port = port_where_nothing_listens()
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = production_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/blogcms",
        SECRET_KEY="healthz-test-key",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="CRITICAL",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "down",
        "cache": "ok",
        "storage": "ok",
        "down": ["database"],
    }


@pytest.mark.django_db
def test_healthz_is_503_naming_the_storage_when_media_cannot_be_written(client, settings, tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    settings.MEDIA_ROOT = str(in_the_way / "media")  # even root cannot make a folder in a file
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"
    assert response.json()["down"] == ["storage"]
