from django.core.management.base import BaseCommand

from blog.models import Post
from comments import counts


class Command(BaseCommand):
    help = (
        "Recount every post's stored approved and pending comment counts from the comments "
        "table, and print each one that was wrong; then lay out every post's comment pages "
        "again (needed after COMMENTS_PER_PAGE or COMMENT_MAX_DEPTH changes)."
    )

    def handle(self, *args, **options):
        drifted = list(counts.drifted_posts())
        counts.recount([post.pk for post in drifted])
        for post in drifted:
            self.stdout.write(
                f"Fixed “{post.title}” (id {post.pk}): "
                f"approved {post.approved_comment_count} → {post.live_approved_comment_count}, "
                f"pending {post.pending_comment_count} → {post.live_pending_comment_count}"
            )
        if drifted:
            self.stdout.write(f"Recounted {len(drifted)} post(s); the others were right.")
        else:
            self.stdout.write("All comment counts were right; nothing changed.")
        laid_out = counts.lay_out(Post.objects.all())
        again = f"Laid out the comment pages of {len(laid_out)} post(s) again."
        self.stdout.write(again if laid_out else "Every post's comment pages were laid out right.")
