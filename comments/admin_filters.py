"""The queue's filters by id: the post and the moderator."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from blog.models import Post
from comments.models import Comment, as_row_id


class IdFilter(admin.SimpleListFilter):
    """A filter on a row id: a value that is no id is refused (400), not a database error."""

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        number = as_row_id(self.value())
        if number is None:
            raise IncorrectLookupParameters(f"not an id: {self.value()[:40]!r}")
        return queryset.filter(**{self.field: number})


class ModeratorFilter(IdFilter):
    """Comments by who last moderated them."""

    title = "moderator"
    parameter_name = "moderator"
    field = "moderated_by_id"

    def lookups(self, request, model_admin):
        # One index probe per user: "every moderated_by" would read the whole comments index.
        moderated = Comment.objects.filter(moderated_by=OuterRef("pk"))
        users = get_user_model().objects.filter(Exists(moderated)).order_by("username")
        return [(str(user.pk), user.get_username()) for user in users]


class PostFilter(IdFilter):
    """The posts with the longest queues, read from their indexed pending_comment_count (the cost
    does not grow with the posts); the post filtered on is always listed."""

    title = "post"
    parameter_name = "post"
    field = "post_id"
    BUSIEST = 20

    def lookups(self, request, model_admin):
        posts = Post.objects.only("pk", "title", "pending_comment_count")
        busiest = posts.filter(pending_comment_count__gt=0).order_by("-pending_comment_count", "pk")
        shown = list(busiest[: self.BUSIEST])
        chosen = as_row_id(self.value())
        if chosen is not None and chosen not in {post.pk for post in shown}:
            shown += posts.filter(pk=chosen)
        return [(str(post.pk), self.label(post)) for post in shown]

    @staticmethod
    def label(post: Post) -> str:
        if post.pending_comment_count:
            return f"{post.title} ({post.pending_comment_count} pending)"
        return post.title

    def has_output(self):
        # Also with no queues: a ?post= link (from the post list) must still narrow the list.
        return True
