"""Titles are one line: join the line breaks of any saved before the form refused them."""

from django.db import migrations


def join_title_lines(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for post in Post.objects.only("pk", "title").iterator():
        # blog.models.one_line, frozen here.
        title = " ".join(line.strip() for line in post.title.splitlines() if line.strip())
        if title != post.title:
            Post.objects.filter(pk=post.pk).update(title=title)


class Migration(migrations.Migration):
    dependencies = [("blog", "0018_render_bodies_with_markdown_it")]

    operations = [migrations.RunPython(join_title_lines, migrations.RunPython.noop)]
