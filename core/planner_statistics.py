"""The query planner's statistics, refreshed after a bulk load: autovacuum analyses a grown table
only later, SQLite never, and meanwhile plans fit the tables as they were (often empty)."""

from django.db import DEFAULT_DB_ALIAS, connections


def refresh(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """ANALYZE the whole database; on PostgreSQL outside a transaction VACUUM too: until the
    visibility map marks the new rows' pages all-visible, index-only scans read every row."""
    connection = connections[using]
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
