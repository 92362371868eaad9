"""The query planner's statistics, refreshed after a bulk load.

PostgreSQL's autovacuum analyses a table only some time after it has grown, and SQLite never
does by itself: until then the planner picks plans for the tables as they were (often empty),
e.g. walking a million comments for a page of ten posts. `generate_fake` and
`import_wordpress` call refresh() once their rows are in.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def refresh(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """ANALYZE the whole database (PostgreSQL samples each table; SQLite reads every index,
    seconds for a million comments, far less than loading them took)."""
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE")
