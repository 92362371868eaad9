"""An index on taggit's through table by (tag, content type, post): a tag's newest posts (by id)
are read from it in order, with no sort of all the tag's rows (PostQuerySet.related_to).

Raw SQL because the table belongs to taggit: its migrations' state is not ours to change, and
the index changes nothing Django's models describe.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0014_post_pinned"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX taggeditem_tag_post_idx "
            "ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            "DROP INDEX taggeditem_tag_post_idx",
        )
    ]
