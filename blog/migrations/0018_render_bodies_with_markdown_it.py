"""Render every stored body again with markdown-it-py, the renderer that replaced Python-Markdown.

The body images are served as Post.save serves them (renditions read, never made). Reading times
follow the new HTML, and so do automatic summaries: one equal to what the old HTML gave is derived
again; one an editor wrote stays.
"""

from django.db import migrations


def render_bodies(apps, schema_editor):
    # The renderer of today, on purpose: the migration exists to store its output.
    from images import body_images
    from blog.models import Post as CurrentPost
    from blog.rendering import (
        reading_time_minutes,
        render_markdown,
        sanitise_rendered_body,
        summarise,
    )

    Post = apps.get_model("blog", "Post")
    MediaRenditions = apps.get_model("blog", "MediaRenditions")
    storage = CurrentPost._meta.get_field("cover_image").storage
    fields = ("pk", "body", "body_html", "summary", "reading_time")
    for post in Post.objects.only(*fields).order_by("pk").iterator(chunk_size=200):
        html = render_markdown(post.body)
        names = body_images.media_names(html, storage)
        records = dict(
            MediaRenditions.objects.filter(name__in=names).values_list("name", "record")
        )
        html = sanitise_rendered_body(body_images.serve_body_images(html, storage, records))
        changes = {"body_html": html, "reading_time": reading_time_minutes(html)}
        if post.summary == summarise(post.body_html):
            changes["summary"] = summarise(html)
        Post.objects.filter(pk=post.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("blog", "0017_post_fts5")]

    operations = [migrations.RunPython(render_bodies, migrations.RunPython.noop)]
