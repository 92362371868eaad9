"""Tags saved before blog.tagging existed may have an empty slug ("!!!"): give them their fallback."""

import hashlib

from django.db import migrations


def fill_empty_tag_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    for tag in Tag.objects.filter(slug=""):
        # The same rule as blog.tagging.fallback_slug, frozen here as migrations must be.
        tag.slug = "tag-" + hashlib.sha256(tag.name.encode()).hexdigest()[:10]
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0005_post_cover_renditions"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(fill_empty_tag_slugs, migrations.RunPython.noop)]
