"""Make the responsive renditions of covers that have none (posts saved before they existed)."""

from django.core.management.base import BaseCommand

from blog import renditions
from blog.models import Post


class Command(BaseCommand):
    help = "Make the WebP and original-format renditions of covers that have none (or --all)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Remake every cover's renditions.")

    def handle(self, *args, **options):
        posts = Post.objects.exclude(cover_image="")
        if not options["all"]:
            posts = posts.filter(cover_renditions={})
        made = 0
        for post in posts.iterator():
            stale = renditions.rendition_names(post.cover_renditions)
            storage = post.cover_image.storage
            post.cover_renditions = renditions.make_renditions(storage, post.cover_image.name)
            post.save(update_fields=["cover_renditions"])
            fresh = set(renditions.rendition_names(post.cover_renditions))
            renditions.delete_files(storage, [name for name in stale if name not in fresh])
            made += 1
        self.stdout.write(f"Made renditions for {made} cover(s).")
