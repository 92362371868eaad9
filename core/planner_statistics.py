"""The query planner's statistics, refreshed after a bulk load.

PostgreSQL's autovacuum analyses a table only some time after it has grown, and SQLite never
does by itself: until then the planner picks plans for the tables as they were (often empty),
e.g. walking a million comments for a page of ten posts. `generate_fake` and
`import_wordpress` call refresh() once their rows are in.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def refresh(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """ANALYZE the whole database (PostgreSQL samples each table; SQLite reads every index).

    On PostgreSQL, outside a transaction, VACUUM too: until its visibility map marks the new
    rows' pages all-visible, an index-only scan (a deep index page, the admin's lists) still
    reads every table row it passes.
    """
    connection = connections[using]
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
