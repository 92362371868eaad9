"""How page cost grows with the data: 1,000 posts / 10,000 comments against 100,000 / 1,000,000.

Run from the project root:

    .venv/bin/python bench/scale.py                       # SQLite and PostgreSQL, both sizes
    .venv/bin/python bench/scale.py --database sqlite --sizes small --requests 20
    .venv/bin/python bench/scale.py --keep      # fill once, keep, and reuse on the next --keep

Each (database, size) runs in its own process on a throwaway database (filled with
`generate_fake`'s bulk inserts) that is removed afterwards. With --keep the databases are kept
(PostgreSQL `<BENCH_SCALE_DATABASE>_<size>`, SQLite `<BENCH_SCALE_DIR>/<that name>_<size>.sqlite3`)
and a later --keep run migrates and measures them without filling them again. Figures are
in-process medians through django.test.Client with DEBUG off, as in bench/run.py. Budgets:
every median under 50 ms, and the large figure at most 1.5 times the small one.
See bench/RESULTS.md.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import POSTGRES_SERVER, print_table  # noqa: E402

POSTGRES_DATABASE = os.environ.get("BENCH_SCALE_DATABASE", "blogcms_bench_scale")
KEEP_DIR = Path(os.environ.get("BENCH_SCALE_DIR", tempfile.gettempdir()))
SIZES = {"small": (1_000, 10_000), "large": (100_000, 1_000_000)}
BUSY_POST_COMMENTS = 500
HUGE_POST_COMMENTS = 20_000
PROLIFIC_COMMENTS = 100_000
PROLIFIC_EMAIL = "prolific@example.com"
BUDGET_MS = 50.0
BUDGET_RATIO = 1.5


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sizes", default="small,large", help="small, large or small,large")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--keep", action="store_true", help="keep the filled databases and reuse kept ones"
    )
    parser.add_argument("--one", nargs=2, metavar=("DATABASE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return measure_one(*args.one, requests=args.requests, keep=args.keep)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    sizes = args.sizes.split(",")
    results = {}
    for database in databases:
        for size in sizes:
            progress(f"{database}, {size}: {SIZES[size][0]:,} posts, {SIZES[size][1]:,} comments")
            command = [sys.executable, __file__, "--one", database, size]
            command += ["--requests", str(args.requests), *(["--keep"] if args.keep else [])]
            output = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE)
            results[database, size] = json.loads(output.stdout.decode().splitlines()[-1])
    report(results, databases, sizes, requests=args.requests)
    return 0


def measure_one(database: str, size: str, *, requests: int, keep: bool) -> int:
    throwaway = sqlite_database if database == "sqlite" else postgres_database
    with throwaway(size if keep else None) as url:
        from bench.run import configure_django

        os.environ["ENV_FILE"] = ""
        configure_django(url)
        try:
            figures = fill_and_time(size, requests=requests)
        finally:
            from django.db import connections

            connections.close_all()
    print(json.dumps(figures))
    return 0


def fill_and_time(size: str, *, requests: int) -> dict:
    """Fill (or reuse) the database, then time every page twice when it was just filled:
    straight after the bulk load, as `generate_fake` leaves it, and once the database has
    settled (VACUUM ANALYZE); a kept database only the second way."""
    from django.core.management import call_command

    from blog.models import Post
    from comments.models import Comment

    posts, comments = SIZES[size]
    started = time.perf_counter()
    kept = Post.objects.exists()  # a database kept by an earlier --keep run
    if not kept:
        call_command("generate_fake", posts=posts, comments=comments)
    add_shapes()
    filled_s = time.perf_counter() - started
    progress(
        f"{'kept database' if kept else 'filled'} in {filled_s:.0f} s; "
        f"{Comment.objects.pending().count():,} pending"
    )
    figures = {"filled_s": filled_s}
    if not kept:
        progress("straight after the bulk load:")
        figures["after_load"] = time_pages(requests=requests)
    settle_statistics()
    progress("settled (VACUUM ANALYZE):")
    figures["pages"] = time_pages(requests=requests)
    return figures


def add_shapes() -> None:
    """The shapes every size gets on top of the spread-out fill, unless a kept database has
    them: the newest post with BUSY_POST_COMMENTS approved comments, the next one with
    HUGE_POST_COMMENTS, and PROLIFIC_COMMENTS comments (a tenth of them pending) from one
    address, one or more on every post."""
    from blog.models import Post
    from comments.models import Comment
    from core import fake_data, planner_statistics

    busy, huge = busy_posts()
    added = False
    for post, count in ((busy, BUSY_POST_COMMENTS), (huge, HUGE_POST_COMMENTS)):
        if Comment.objects.approved().filter(post=post).count() < count:
            fake_data.add_comments([post.pk], count, status=Comment.Status.APPROVED)
            added = True
    if not Comment.objects.filter(author_email=PROLIFIC_EMAIL).exists():
        post_ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
        fake_data.add_comments(post_ids, PROLIFIC_COMMENTS, email=PROLIFIC_EMAIL)
        added = True
    if added:
        planner_statistics.refresh()  # what generate_fake does after its own rows


def busy_posts():
    from blog.models import Post

    busy, huge = Post.objects.published().order_by("-publish_at")[:2]
    return busy, huge


def time_pages(*, requests: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch, reverse

    from bench import scenarios
    from blog.models import Post
    from comments import threads
    from comments.models import Comment
    from core import fake_data

    admin = get_user_model().objects.filter(username="bench-admin").first()
    admin = admin or scenarios.make_superuser()
    pages_total = -(-Post.objects.published().count() // 10)
    deep = min(5000, pages_total)
    busy, huge = busy_posts()
    last_comment_page = threads.public_threads(post=huge).page.paginator.num_pages
    try:
        search = reverse("blog:search") + f"?q={fake_data.RARE_WORD}"
    except NoReverseMatch:
        search = None
    anonymous = {
        "index, page 1": "/",
        f"index, page {deep:,}": f"/?page={deep}",
        f"post with {BUSY_POST_COMMENTS} comments": busy.get_absolute_url(),
        f"post with {HUGE_POST_COMMENTS:,} comments": huge.get_absolute_url(),
        f"post with {HUGE_POST_COMMENTS:,} comments, comment page {last_comment_page}": (
            f"{huge.get_absolute_url()}?cpage={last_comment_page}"
        ),
        "tag page": reverse("blog:tag", args=["topic-7"]),
        **({"search (rare word)": search} if search else {}),
    }
    pending = Comment.objects.pending().count()
    staff = {
        f"admin queue, {pending:,} pending, one address {PROLIFIC_COMMENTS:,} comments": (
            "/admin/comments/comment/?status__exact=pending"
        ),
        f"admin queue of one address ({PROLIFIC_COMMENTS:,} comments)": (
            f"/admin/comments/comment/?author_email={quote(PROLIFIC_EMAIL)}"
        ),
        "admin post list": "/admin/blog/post/",
    }
    figures = []
    # The views' own work: with the page cache (or the fragments) on, every timed request would
    # be a cache hit.
    with override_settings(
        ROOT_URLCONF="bench.urls", PAGE_CACHE_SECONDS=0, FRAGMENT_CACHE_SECONDS=0
    ):
        visitor, moderator = scenarios.Client(), scenarios.logged_in(admin)
        for client, pages in ((visitor, anonymous), (moderator, staff)):
            for label, url in pages.items():
                figure = time_page(client, url, requests=requests)
                page = label.split(",")[0] if label.startswith("admin") else label
                figures.append({"page": page, "label": label, **figure})
                progress(
                    f"{label}: median {figure['median_ms']:.1f} ms "
                    f"(cpu {figure['cpu_median_ms']:.1f}, min {figure['min_ms']:.1f}), "
                    f"{figure['queries']} queries; load {os.getloadavg()[0]:.1f}"
                )
    return figures


def time_page(client, url: str, *, requests: int) -> dict:
    """Wall time per request (the budget's figure), and this process's CPU time per request:
    on a busy machine the wall time also counts waiting for a CPU, the CPU time does not (but
    misses PostgreSQL's own work, done in its server process)."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request empties the connection's query log
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {
        "queries": queries,
        "median_ms": statistics.median(wall) * 1000,
        "min_ms": min(wall) * 1000,
        "cpu_median_ms": statistics.median(cpu) * 1000,
    }


def settle_statistics() -> None:
    """What a long-running database has: planner statistics and, on PostgreSQL, a visibility
    map (index-only scans skip the table only for pages VACUUM has marked all-visible)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def report(results: dict, databases: list[str], sizes: list[str], *, requests: int) -> None:
    import django

    now = datetime.now(UTC)
    print(
        f"\nScale benchmark, Django {django.get_version()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {now:%Y-%m-%d %H:%M} UTC; median of {requests} requests, ms; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for database in databases:
        for phase, title in (
            ("after_load", "straight after the bulk load"),
            ("pages", "settled (VACUUM ANALYZE)"),
        ):
            small = results.get((database, "small"), {}).get(phase)
            large = results.get((database, "large"), {}).get(phase)
            if small or large:
                print(f"\n{database}, {title}: median wall ms / median CPU ms of this process")
                print_table(
                    ["page", "1k posts", "100k posts", "wall ratio", "in budget"],
                    report_rows(small, large),
                )


def report_rows(small: list | None, large: list | None) -> list[list[str]]:
    rows = []
    for n, page in enumerate(small or large):
        s = small[n] if small else None
        g = large[n] if large else None
        ratio = g["median_ms"] / s["median_ms"] if s and g else None
        within = all(f["median_ms"] < BUDGET_MS for f in (s, g) if f) and (
            ratio is None or ratio <= BUDGET_RATIO
        )
        rows.append(
            [
                page["page"] if s and g else page["label"],
                *(
                    f"{f['median_ms']:.1f} / {f['cpu_median_ms']:.1f} ({f['queries']}q)"
                    if f
                    else ""
                    for f in (s, g)
                ),
                f"{ratio:.2f}x" if ratio else "",
                "yes" if within else "NO",
            ]
        )
    return rows


@contextmanager
def sqlite_database(kept_size=None):
    if kept_size:
        yield f"sqlite:///{KEEP_DIR / f'{POSTGRES_DATABASE}_{kept_size}.sqlite3'}"
        return
    handle, path = tempfile.mkstemp(prefix="blogcms_scale_", suffix=".sqlite3")
    os.close(handle)
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


@contextmanager
def postgres_database(kept_size=None):
    import psycopg

    def execute(sql):
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
            cursor = server.execute(sql)
            return cursor.fetchall() if cursor.description else None

    if kept_size:
        name = f"{POSTGRES_DATABASE}_{kept_size}"
        if not execute(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            execute(f"CREATE DATABASE {name}")
        yield f"{POSTGRES_SERVER}/{name}"
        return

    drop = f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)"
    execute(drop)
    execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    try:
        yield f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    finally:
        execute(drop)


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
