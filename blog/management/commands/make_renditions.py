from django.core.management.base import BaseCommand

from blog.models import Post, render_body
from images import body_images, renditions
from images.models import Image, MediaRenditions


class Command(BaseCommand):
    help = (
        "Make the WebP and original-format renditions of covers, library images and media "
        "images in post bodies that have none (or --all), and re-render the bodies using them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Remake every image's renditions.")

    def handle(self, *args, **options):
        covers = self.make_cover_renditions(remake=options["all"])
        stale, made = self.make_media_renditions(remake=options["all"])
        bodies = self.rerender_bodies()
        # Only now: the re-rendered bodies no longer link the files being replaced.
        renditions.delete_files(Image._meta.get_field("file").storage, stale)
        self.stdout.write(
            f"Made renditions for {covers} cover(s) and {made} body image(s); "
            f"re-rendered {bodies} post body(ies)."
        )

    def make_cover_renditions(self, *, remake: bool) -> int:
        posts = Post.objects.exclude(cover_image="")
        if not remake:
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
        return made

    def make_media_renditions(self, *, remake: bool) -> tuple[list[str], int]:
        """The replaced files (to delete once no body links them) and how many images got new
        renditions."""
        storage = Image._meta.get_field("file").storage
        names = set(Image.objects.values_list("file", flat=True))
        for html in bodies_with_images().values_list("body_html", flat=True).iterator():
            names |= body_images.media_names(html, storage)
        existing = MediaRenditions.objects.records(names)
        stale, made = [], 0
        for name in sorted(names if remake else names - existing.keys()):
            if MediaRenditions.objects.make(storage, name):
                stale += renditions.rendition_names(existing.get(name, {}))
                made += 1
        records = MediaRenditions.objects.records(names).values()
        fresh = {name for record in records for name in renditions.rendition_names(record)}
        return [name for name in stale if name not in fresh], made

    def rerender_bodies(self) -> int:
        changed = 0
        for post in bodies_with_images().iterator():
            if render_body(post.body) != post.body_html:
                # save() renders the body again; only the HTML is written (not "updated").
                post.save(update_fields=["body_html"])
                changed += 1
        return changed


def bodies_with_images():
    return Post.objects.filter(body_html__contains="<img")
