"""A bulk load leaves the query planner knowing how large the tables now are (ANALYZE): plans
chosen for the tables as they were before the load can walk every row for a page of ten."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from blog.models import Post
from comments.models import Comment
from tests.wordpress_exports import SAMPLE

pytestmark = pytest.mark.django_db


def planner_row_count(model) -> int | None:
    """The rows the planner's statistics give the model's table; None if it was never analysed."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            [rows] = cursor.fetchone()
            return None if rows < 0 else int(rows)
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        counts = [int(stat.split()[0]) for [stat] in cursor.fetchall()]
        return max(counts, default=None)


def test_generate_fake_leaves_the_planner_knowing_the_new_row_counts():
    call_command(
        "generate_fake", posts=13, comments=171, stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert planner_row_count(Post) == 13
    assert planner_row_count(Comment) == 171


def test_import_wordpress_leaves_the_planner_knowing_the_new_row_counts():
    call_command("import_wordpress", SAMPLE, stdout=io.StringIO(), stderr=io.StringIO())

    assert planner_row_count(Post) == Post.objects.count() > 0
    assert planner_row_count(Comment) == Comment.objects.count() > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the visibility map is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_generate_fake_leaves_postgresql_the_new_pages_marked_all_visible():
    out = io.StringIO()
    call_command("generate_fake", posts=11, comments=157, stdout=out, stderr=out)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass",
            [Comment._meta.db_table],
        )
        pages, all_visible = cursor.fetchone()
    assert pages > 0 and all_visible == pages
