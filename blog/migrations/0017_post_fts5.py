"""An FTS5 index of published-or-not posts' title, summary and body for search on SQLite.

Without it SQLite search was a LIKE scan of every post (220 ms at 100,000 posts). The table is
external-content (it stores only the index and reads the text from blog_post by rowid = id), kept
current by triggers, so bulk inserts (generate_fake's executemany), save() and update() all reach
it. It covers what PostgreSQL's search_vector covers (0012). SQLite only: a no-op on PostgreSQL.
"""

from django.db import migrations

CREATE = [
    """
CREATE VIRTUAL TABLE blog_post_fts USING fts5(
    title, summary, body, content='blog_post', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)
""",
    """
CREATE TRIGGER blog_post_fts_insert AFTER INSERT ON blog_post BEGIN
    INSERT INTO blog_post_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END
""",
    """
CREATE TRIGGER blog_post_fts_delete AFTER DELETE ON blog_post BEGIN
    INSERT INTO blog_post_fts (blog_post_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
END
""",
    """
CREATE TRIGGER blog_post_fts_update AFTER UPDATE OF id, title, summary, body ON blog_post BEGIN
    INSERT INTO blog_post_fts (blog_post_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO blog_post_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END
""",
    # Index every existing post.
    "INSERT INTO blog_post_fts (blog_post_fts) VALUES ('rebuild')",
]

DROP = [
    "DROP TRIGGER IF EXISTS blog_post_fts_update",
    "DROP TRIGGER IF EXISTS blog_post_fts_delete",
    "DROP TRIGGER IF EXISTS blog_post_fts_insert",
    "DROP TABLE IF EXISTS blog_post_fts",
]


def on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0016_post_pending_queue_idx"),
    ]

    operations = [
        migrations.RunPython(on_sqlite(CREATE), on_sqlite(DROP)),
    ]
