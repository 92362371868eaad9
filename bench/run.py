"""Benchmarks: bulk comment approval and the cost of the main pages, printed as tables.

Run from the project root:

    .venv/bin/python bench/run.py [--database sqlite|postgres] [--quick]

Each run works on a throwaway database it creates, migrates and removes again: a temporary
SQLite file, or the PostgreSQL database `blogcms_bench`. See bench/README.md for the figures.
"""

import argparse
import atexit
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The server only; the script creates and drops the database BENCH_DATABASE on it.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
BENCH_DATABASE = "blogcms_bench"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--quick", action="store_true", help="50 requests per page and one approval run"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep the tables in order with stderr progress
    throwaway = sqlite_database if args.database == "sqlite" else postgres_database
    started = time.perf_counter()
    with throwaway() as database_url:
        configure_django(database_url)
        try:
            run(args.database, quick=args.quick, started=started)
        finally:
            from django.db import connections

            connections.close_all()  # so the PostgreSQL database can be dropped
    print(f"\nTotal {time.perf_counter() - started:.1f} s, throwaway database removed.")
    return 0


@contextmanager
def sqlite_database():
    handle, path = tempfile.mkstemp(prefix="blogcms_bench_", suffix=".sqlite3")
    os.close(handle)
    try:
        yield f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/...
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


@contextmanager
def postgres_database():
    import psycopg

    def execute(sql):
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
            server.execute(sql)

    # FORCE: a run that crashed may have left the database behind, connections and all.
    drop = f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"
    try:
        execute(drop)
        execute(f"CREATE DATABASE {BENCH_DATABASE}")
    except psycopg.OperationalError as error:
        sys.exit(f"Cannot reach PostgreSQL at {POSTGRES_SERVER}: {error}")
    try:
        yield f"{POSTGRES_SERVER}/{BENCH_DATABASE}"
    finally:
        execute(drop)


def configure_django(database_url: str) -> None:
    """Production-like settings (DEBUG off, persistent connections) on the throwaway database."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-not-a-secret",
            "DEBUG": "false",
            "ENV_FILE": "",  # never a developer's .env
            # Plain storage: templates' {% static %} works without collectstatic's manifest.
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            # django.test.Client sends Host: testserver.
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
            # The default cache in a directory of its own, never the project's .cache.
            "CACHE_DIR": tempfile.mkdtemp(prefix="blogcms_bench_cache_"),
        }
    )
    atexit.register(shutil.rmtree, os.environ["CACHE_DIR"], ignore_errors=True)
    # Same cache and media on every machine: the default disk cache and local disk.
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no STATIC_ROOT

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def run(database: str, *, quick: bool, started: float) -> None:
    import django
    from django.test.utils import override_settings

    from bench import scenarios

    requests, runs = (50, 1) if quick else (200, 3)
    now = datetime.now(UTC)
    print(
        f"Blog CMS benchmarks: {database}, Django {django.get_version()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {now:%Y-%m-%d %H:%M} UTC"
        + (" (quick)" if quick else "")
    )
    with override_settings(ROOT_URLCONF="bench.urls"):
        admin = scenarios.make_superuser()
        progress(f"migrated in {time.perf_counter() - started:.1f} s; measuring pages")
        pages = measure_pages(scenarios, admin, requests=requests)
        progress(f"bulk approval of {scenarios.BULK_COMMENTS:,} comments, {runs} run(s) each")
        queue_page, bulk = measure_bulk_approval(scenarios, admin, requests=requests, runs=runs)
    print_report(scenarios, bulk, [*pages, queue_page])


def measure_pages(scenarios, admin, *, requests: int) -> list:
    """Ceiling, index with 10 then 200 posts, the seed post with 0, 200 and 1,000 comments."""
    from django.test import Client

    client = Client()
    figures = [
        scenarios.time_page(
            client, "/bench-ceiling/", label='ceiling: HttpResponse("ok")', requests=requests
        )
    ]
    for posts in (10, 200):
        scenarios.add_index_posts(author=admin, upto=posts)
        figures.append(
            scenarios.time_page(client, "/", label=f"/ index, {posts} posts", requests=requests)
        )
    seed = scenarios.import_seed_post(author=admin)
    url = seed.get_absolute_url()
    for total, added in ((0, 0), (200, 200), (1000, 800)):
        if added:
            scenarios.add_threaded_comments(seed, count=added)
        label = f"seed post, {total:,} approved comments"
        figures.append(scenarios.time_page(client, url, label=label, requests=requests))
    return figures


def measure_bulk_approval(scenarios, admin, *, requests: int, runs: int):
    """The admin queue page with 10,000 pending, then approving them all: service and admin."""
    busy = scenarios.add_pending_comments(author=admin)
    queue_page = scenarios.time_page(
        scenarios.logged_in(admin),
        scenarios.PENDING_CHANGELIST,
        label=f"admin pending queue, {scenarios.BULK_COMMENTS:,} pending",
        requests=max(requests // 10, 10),
    )
    bulk = [
        scenarios.time_service_approval(busy, moderator=admin, runs=runs),
        scenarios.time_admin_approval(busy, moderator=admin, runs=runs),
    ]
    return queue_page, bulk


def print_report(scenarios, bulk: list, pages: list) -> None:
    print(f"\nBulk approval: {scenarios.BULK_COMMENTS:,} pending comments on one post")
    print_table(
        ["path", "queries", "runs", "median s", "worst s"],
        [[f.label, f.queries, f.runs, f"{f.median_s:.3f}", f"{f.worst_s:.3f}"] for f in bulk],
    )
    print("\nPage cost per request, in-process through django.test.Client (anonymous unless said)")
    print_table(
        ["page", "queries", "requests", "min ms", "median ms", "p95 ms", "KB"],
        [
            [
                f.label,
                f.queries,
                f.requests,
                f"{f.min_ms:.2f}",
                f"{f.median_ms:.2f}",
                f"{f.p95_ms:.2f}",
                f"{f.kilobytes:.1f}",
            ]
            for f in pages
        ],
    )


def print_table(headers: list[str], rows: list[list]) -> None:
    """A plain table: the first column left-aligned, figures right-aligned."""
    cells = [headers] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        print("  ".join([first, *rest]))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
