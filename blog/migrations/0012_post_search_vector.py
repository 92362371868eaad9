"""A stored full-text document for search on PostgreSQL, kept current by a trigger, GIN-indexed.

The column exists on every database (NULL on SQLite, which searches by substring); the trigger,
the backfill and the index are PostgreSQL's only (GinIndex and plpgsql fail on SQLite).
"""

import django.contrib.postgres.search
from django.db import migrations

# Must match blog.search.SEARCH_CONFIG and its weights: title A, summary B, body C.
CREATE = [
    """
CREATE FUNCTION blog_post_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english'::regconfig, COALESCE(NEW.title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(NEW.summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(NEW.body, '')), 'C');
    RETURN NEW;
END
$$
""",
    """
CREATE TRIGGER blog_post_search_vector
    BEFORE INSERT OR UPDATE OF title, summary, body, search_vector ON blog_post
    FOR EACH ROW EXECUTE FUNCTION blog_post_search_vector()
""",
    # The trigger computes the vector of every existing post.
    "UPDATE blog_post SET search_vector = NULL",
    "CREATE INDEX post_search_vector_idx ON blog_post USING gin (search_vector)",
]

DROP = [
    "DROP INDEX IF EXISTS post_search_vector_idx",
    "DROP TRIGGER IF EXISTS blog_post_search_vector ON blog_post",
    "DROP FUNCTION IF EXISTS blog_post_search_vector()",
]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0011_image_library"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
