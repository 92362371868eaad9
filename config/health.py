"""/healthz: whether this app server can reach what it needs, for load balancers and monitors:
the database, the cache and the media storage (which must take files)."""

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from images.media_check import storage_accepts_files

HEALTH_KEY = "healthz"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _cache_answers() -> bool:
    try:
        cache.set(HEALTH_KEY, "ok", timeout=10)
        return cache.get(HEALTH_KEY) == "ok"
    except Exception:
        return False


@never_cache
@require_safe
def healthz(request):
    """200 {"status": "ok", ...} when the database and the cache answer and the media storage
    takes a file, else 503 naming the ones that do not."""
    checks = {
        "database": _database_answers(),
        "cache": _cache_answers(),
        "storage": storage_accepts_files(default_storage),
    }
    down = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "unavailable" if down else "ok",
        **{name: "ok" if ok else "down" for name, ok in checks.items()},
        "down": down,
    }
    return JsonResponse(body, status=503 if down else 200)
