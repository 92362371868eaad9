"""The public pages the quality checks visit (a helper module, not tests)."""

from django.urls import reverse
from taggit.models import Tag

from tests.factories import CommentFactory, ImageFactory, PageFactory, PostFactory


def public_pages(client, seed_post) -> dict[str, tuple[str, int]]:
    """{label: (HTML, status)} of the pages every reader sees, the comment form with errors too."""
    tag = Tag.objects.filter(post__isnull=False).order_by("name").first()
    with_picture = post_with_an_inline_image()
    guestbook = PageFactory(title="Guestbook", slug="guestbook", comments_enabled=True)
    CommentFactory(post=guestbook, approved=True, body="Signed, a reader.")
    pages = {
        "page with comments": client.get(guestbook.get_absolute_url()),
        "index": client.get("/"),
        "post with comments": client.get(seed_post.get_absolute_url()),
        "post with an inline image": client.get(with_picture.get_absolute_url()),
        "tag page": client.get(reverse("blog:tag", args=[tag.slug])),
        "search": client.get(reverse("blog:search"), {"q": "magnesium"}),
        "month archive": client.get(
            reverse(
                "blog:archive_month",
                kwargs={
                    "year": f"{seed_post.publish_at:%Y}",
                    "month": f"{seed_post.publish_at:%m}",
                },
            )
        ),
        "author page": client.get(reverse("blog:author", args=[seed_post.author_id])),
        "personal data request": client.get(reverse("comments:request_personal_data")),
        "comment form with errors": client.post(
            reverse("comments:submit", args=[seed_post.pk]), {"name": "", "body": ""}
        ),
    }
    return {label: (r.content.decode(), r.status_code) for label, r in pages.items()}


def post_with_an_inline_image():
    """A post whose body shows a library image (a <picture> with its renditions)."""
    image = ImageFactory()
    return PostFactory(body=f"Before the picture.\n\n{image.markdown}\n\nAfter it.")
