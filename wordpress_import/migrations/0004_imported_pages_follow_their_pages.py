from django.db import migrations


def follow(apps, schema_editor):
    ImportedPage = apps.get_model("wordpress_import", "ImportedPage")
    for record in ImportedPage.objects.select_related("page"):
        record.post_id = record.page.moved_to
        record.save(update_fields=["post"])


class Migration(migrations.Migration):
    """Its own migration (its own transaction): PostgreSQL refuses to alter a table with
    deferred foreign key checks pending from rows updated in the same transaction."""

    dependencies = [("wordpress_import", "0003_imported_page_row")]
    run_before = [("blog", "0023_page_is_a_proxy_of_post")]

    operations = [migrations.RunPython(follow, migrations.RunPython.noop)]
