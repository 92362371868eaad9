"""Automatic summaries saved before blog.rendering decoded entities read "&amp;": derive them again.

Only a summary equal to what the old rule derived is replaced; one an editor wrote stays.
"""

import re
from html import unescape

from django.db import migrations
from django.utils.html import strip_tags
from django.utils.text import Truncator


def _summary(html, *, decode):
    # blog.rendering.summarise as it was (decode=False) and is (decode=True), frozen here.
    first_paragraph = re.search(r"<p>(.*?)</p>", html, re.S)
    text = strip_tags(first_paragraph.group(1) if first_paragraph else html)
    text = re.sub(r"\s+", " ", unescape(text) if decode else text).strip()
    return Truncator(text).words(40, truncate="…")


def unescape_automatic_summaries(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for post in Post.objects.filter(summary__contains="&").only("pk", "summary", "body_html"):
        if post.summary == _summary(post.body_html, decode=False):
            new = _summary(post.body_html, decode=True)
            Post.objects.filter(pk=post.pk).update(summary=new)


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_fill_empty_tag_slugs")]

    operations = [migrations.RunPython(unescape_automatic_summaries, migrations.RunPython.noop)]
