"""Benchmark: import a generated WordPress export of 10,000 posts and 100,000 comments.

Run from the project root:

    .venv/bin/python bench/wordpress_import.py [--database sqlite|postgres] [--posts N]

The export is built from the shapes of tests/fixtures/wordpress-sample.xml (its classic and block
posts, caption, table, more tag, tags and categories; threads three deep, pending, trashed and
HTML comments, a trackback), ten comments a post. It is imported with `import_wordpress` into a
throwaway database; the script prints the file size, the wall time and the peak memory (RSS) of
the process. See bench/README.md for the figures.
"""

import argparse
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import configure_django, postgres_database, sqlite_database  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "wordpress-sample.xml"
COMMENTS_PER_POST = 10


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wp_bench_") as folder:
        export = Path(folder) / "export.xml"
        started = time.perf_counter()
        write_export(export, posts=args.posts)
        print(
            f"Generated {export.stat().st_size / 1e6:.1f} MB export: {args.posts:,} posts, "
            f"{args.posts * COMMENTS_PER_POST:,} comments "
            f"({time.perf_counter() - started:.1f} s)"
        )
        throwaway = sqlite_database if args.database == "sqlite" else postgres_database
        with throwaway() as database_url:
            configure_django(database_url)
            try:
                measure(export, args.database)
            finally:
                from django.db import connections

                connections.close_all()
    return 0


def measure(export: Path, database: str) -> None:
    from django.core.management import call_command

    from blog.models import Post
    from comments.models import Comment

    before = peak_rss_mb()
    out = StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("import_wordpress", str(export), stdout=out)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(out.getvalue().split("Not carried over")[0].rstrip())
    print(
        f"{database}: imported {Post.objects.count():,} posts and {Comment.objects.count():,} "
        f"comments in {elapsed:.1f} s ({cpu:.1f} s of CPU in this process); "
        f"peak RSS {peak_rss_mb():.0f} MB "
        f"(was {before:.0f} MB before the import)"
    )
    started = time.perf_counter()
    call_command("import_wordpress", str(export), stdout=StringIO())
    elapsed = time.perf_counter() - started
    print(f"{database}: re-running the same export (all unchanged): {elapsed:.1f} s")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_export(path: Path, *, posts: int) -> None:
    """The sample's header and authors, then `posts` items cycling through its post shapes."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, _, rest = text.partition("\t\t<item>")
    items = ["\t\t<item>" + chunk for chunk in rest.split("\t\t<item>")]
    items[-1] = items[-1].split("</channel>")[0]
    shapes = [item for item in items if "<wp:post_type><![CDATA[post]]>" in item]
    comments = [c for item in items for c in item.split("<wp:comment>")[1:]]
    comments = ["<wp:comment>" + c.split("</wp:comment>")[0] + "</wp:comment>" for c in comments]
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for n in range(posts):
            out.write(make_item(shapes[n % len(shapes)], n, comments))
        out.write("\t</channel>\n</rss>\n")


def make_item(shape: str, n: int, comments: list[str]) -> str:
    """One post from a sample post: a new id, slug and link, and ten comments in threads."""
    wp_id = 100 + n
    old_id = shape.split("<wp:post_id>")[1].split("<")[0]
    old_name = shape.split("<wp:post_name><![CDATA[")[1].split("]")[0]
    item = shape.split("<wp:comment>")[0].split("</item>")[0]
    item = item.replace(f"<wp:post_id>{old_id}</wp:post_id>", f"<wp:post_id>{wp_id}</wp:post_id>")
    item = item.replace(old_name, f"{old_name}-{n}").replace(f"?p={old_id}", f"?p={wp_id}")
    return item + "".join(make_comments(wp_id, comments)) + "\t\t</item>\n"


def make_comments(wp_id: int, shapes: list[str]):
    """Ten comments: of each five, two start threads, three reply (up to three deep)."""
    first = wp_id * COMMENTS_PER_POST
    for k in range(COMMENTS_PER_POST):
        comment_id = first + k
        parent = 0 if k % 5 in (0, 1) else comment_id - 1
        shape = shapes[k % len(shapes)]
        old_id = shape.split("<wp:comment_id>")[1].split("<")[0]
        old_parent = shape.split("<wp:comment_parent>")[1].split("<")[0]
        yield shape.replace(
            f"<wp:comment_id>{old_id}</wp:comment_id>",
            f"<wp:comment_id>{comment_id}</wp:comment_id>",
        ).replace(
            f"<wp:comment_parent>{old_parent}</wp:comment_parent>",
            f"<wp:comment_parent>{parent}</wp:comment_parent>",
        )


if __name__ == "__main__":
    sys.exit(main())
