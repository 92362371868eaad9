"""Which cache to share between processes when there is no Redis: a page-cache hit with each.

Run from the project root:

    .venv/bin/python bench/cache_backends.py [--requests 500]

For each backend: the time of one get and one set of a page-sized entry (the seed post's page,
stored the way core.middleware stores it), of an incr (what a generation bump does), and the
median and 95th percentile of an anonymous post page served from the page cache, through the
whole middleware stack with django.test.Client (each request ends with Django closing the
caches, as a server's does). Local memory is the reference: fastest, but private to each
process; Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/10, left out when it does not
answer) is what several machines share. Works on a throwaway SQLite database and cache
directory. See bench/RESULTS.md.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import configure_django, print_table, progress, sqlite_database  # noqa: E402

COMMENTS = 60  # approved comments on the seed post: its page is then about 60 KB
RAW_OPERATIONS = 1000
LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# The reference for several machines, when it answers: its keys are deleted afterwards.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")


def backends(directory: Path) -> dict[str, dict]:
    """The candidates, by the label printed for each."""
    from django.conf import settings

    diskcache = {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(directory / "shipped")}
    configured = settings.CACHES["default"]  # config/settings.py without REDIS_URL
    candidates = {
        "LocMemCache (per process)": LOCMEM,
        "diskcache.DjangoCache, as shipped": diskcache,
        "  + 1 shard, pages inside SQLite": {
            **configured,
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": str(directory / "inline"),
        },
        "  + connections kept (settings)": configured,
        "DatabaseCache (in db.sqlite3)": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bench_cache_table",
        },
        "FileBasedCache": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(directory / "filebased"),
        },
    }
    if _redis_answers():
        candidates["RedisCache (loopback)"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"bench-cache-backends-{os.getpid()}",
        }
    return candidates


def _redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        progress(f"no Redis at {REDIS_URL}: its row is left out")
        return False


def _delete_redis_keys(config: dict) -> None:
    import redis

    client = redis.Redis.from_url(config["LOCATION"])
    keys = list(client.scan_iter(match=f"{config['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="timed page requests each")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    with sqlite_database() as database_url, tempfile.TemporaryDirectory() as directory:
        configure_django(database_url)  # the cache of config/settings.py in a directory of its own
        rows = measure(backends(Path(directory)), requests=args.requests)
    print_table(
        [
            "backend",
            "get µs",
            "set µs",
            "incr µs",
            "hit p50 ms",
            "hit p95 ms",
            "hit/ceiling",
        ],
        rows,
    )
    return 0


def measure(candidates: dict[str, dict], *, requests: int) -> list[list[str]]:
    import django
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from bench import scenarios

    with override_settings(ROOT_URLCONF="bench.urls"):
        admin = scenarios.make_superuser()
        post = scenarios.import_seed_post(author=admin)
        scenarios.add_threaded_comments(post, count=COMMENTS)
        url = post.get_absolute_url()
        client = Client()
        ceiling = _median_ms(client, "/bench-ceiling/", requests=requests)
        page = client.get(url)
        print(
            f"Cache backends: Django {django.get_version()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs; post page {len(page.content) / 1024:.0f} KB; "
            f"{RAW_OPERATIONS} operations and {requests} requests each; "
            f"ceiling (HttpResponse('ok')) p50 {ceiling[0]:.2f} ms\n"
        )
        rows = []
        for label, config in candidates.items():
            progress(label)
            # A page-cache hit never touches the rate limits' cache.
            caches = {"default": config, "ratelimit": LOCMEM}
            with override_settings(CACHES=caches):
                if config["BACKEND"].endswith("DatabaseCache"):
                    call_command("createcachetable", verbosity=0)
                try:
                    get_us, set_us, incr_us = _raw_operations(page.content)
                    hit_p50, hit_p95 = _median_ms(Client(), url, requests=requests, hit=True)
                finally:
                    if config["BACKEND"].endswith("RedisCache"):
                        _delete_redis_keys(config)
            rows.append(
                [
                    label,
                    f"{get_us:.0f}",
                    f"{set_us:.0f}",
                    f"{incr_us:.0f}",
                    f"{hit_p50:.2f}",
                    f"{hit_p95:.2f}",
                    f"{hit_p50 / ceiling[0]:.2f}x",
                ]
            )
    return rows


def _raw_operations(content: bytes) -> tuple[float, float, float]:
    """Median µs of a get and a set of a page entry, and of an incr, on the default cache."""
    from django.core.cache import cache

    entry = {"parts": (content,), "status": 200, "headers": [], "etag": "x", "expires": None}
    sets = _timed(lambda n: cache.set(f"bench-page:{n % 50}", entry, timeout=3600))
    gets = _timed(lambda n: cache.get(f"bench-page:{n % 50}"))
    assert cache.get("bench-page:0")["parts"] == (content,)
    cache.set("bench-generation", 1, timeout=None)
    incrs = _timed(lambda n: cache.incr("bench-generation"))
    assert cache.get("bench-generation") == RAW_OPERATIONS + 1
    return gets, sets, incrs


def _timed(operation) -> float:
    timings = []
    for n in range(RAW_OPERATIONS):
        started = time.perf_counter()
        operation(n)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


def _median_ms(client, url: str, *, requests: int, hit: bool = False) -> tuple[float, float]:
    """p50 and p95 in ms of `requests` GETs after a warm-up; with `hit`, each must be a
    page-cache hit."""
    for _ in range(5):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200 or (hit and response.get("X-Page-Cache") != "hit"):
            raise RuntimeError(f"{url}: {response.status_code} {response.get('X-Page-Cache')}")
    return statistics.median(timings) * 1000, statistics.quantiles(timings, n=20)[-1] * 1000


if __name__ == "__main__":
    sys.exit(main())
