"""The moderation desk's views beside the queue: one-click decisions, undo and staff replies."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blog.models import Post
from comments import moderation, services
from comments.admin_filters import PostFilter
from comments.models import Comment


class StaffReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=Comment._meta.get_field("body").max_length,
        help_text="Published at once under the comment, signed with your staff account.",
    )


class ModerationDeskViews:
    """CommentAdmin's own URLs; the queue's row buttons and its script post to them."""

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the defaults: their "<path:object_id>/" catch-all would swallow ours.
        return [
            path("undo/", view(self.undo_view), name="comments_comment_undo"),
            path("<path:object_id>/reply/", view(self.reply_view), name="comments_comment_reply"),
            *(
                path(
                    f"<path:object_id>/{name}/",
                    view(self.one_click_view),
                    {"action_name": name},
                    name=f"comments_comment_{name}",
                )
                for name in moderation.BY_NAME
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _action_url(comment, action):
        return reverse(f"admin:comments_comment_{action}", args=[quote(comment.pk)])

    @staticmethod
    def _wants_json(request):
        return "application/json" in request.headers.get("Accept", "")

    def _safe_next(self, request, fallback):
        target = request.POST.get("next") or request.GET.get("next")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return fallback

    def message_with_undo(self, request, text, before, status, next_url=""):
        """The confirmation, with an Undo button (a small POST form) when something changed."""
        if before and len(before) <= moderation.UNDO_LIMIT:
            token = moderation.undo_token(
                before=before, status=status, moderator_id=request.user.pk
            )
            context = {"text": text, "token": token, "next": next_url or request.get_full_path()}
            text = render_to_string("admin/comments/comment/undo_message.html", context, request)
        self.message_user(request, text, messages.SUCCESS)

    @method_decorator(require_POST)
    def one_click_view(self, request, object_id, action_name):
        """A row or change-page button: moderate one comment, then go back (or to the next)."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        action = moderation.BY_NAME[action_name]
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            if self._wants_json(request):
                return JsonResponse({"error": "This comment no longer exists."}, status=404)
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        before = services.moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=action.status,
            moderator=request.user,
            via="queue" if request.GET.get("from") == "queue" else "page",
        )
        comment.status = action.status
        text = action.done_with(comment)
        if self._wants_json(request):
            return JsonResponse(
                {
                    "comment": comment.pk,
                    "status": comment.status,
                    "label": comment.get_status_display(),
                    "message": text,
                    "undo": moderation.undo_token(
                        before=before, status=action.status, moderator_id=request.user.pk
                    )
                    if before
                    else None,
                    "undo_url": reverse("admin:comments_comment_undo"),
                    "counts": self._counts([comment.post_id]),
                }
            )
        target = self._safe_next(request, self._action_url(comment, "change"))
        if "_next" in request.POST:
            following = self._next_pending(comment)
            if following is not None:
                target = self._action_url(following, "change")
            else:
                target = reverse("admin:comments_comment_changelist")
                text += " No more comments await review."
        self.message_with_undo(request, text, before, action.status, next_url=target)
        return redirect(target)

    @staticmethod
    def _counts(post_ids) -> dict:
        """The pending count and post filter entries after a decision, for the queue's script."""
        posts = Post.objects.filter(pk__in=post_ids).only("pk", "title", "pending_comment_count")
        return {
            "pending": str(Comment.objects.pending_count()),
            "posts": {str(post.pk): PostFilter.label(post) for post in posts},
        }

    @staticmethod
    def _next_pending(comment):
        """The pending comment after this one in queue order (newest first), else the newest."""
        pending = Comment.objects.pending().exclude(pk=comment.pk).order_by("-created", "-pk")
        return pending.filter(created__lte=comment.created).first() or pending.first()

    @method_decorator(require_POST)
    def undo_view(self, request):
        """Undo a decision from its confirmation: only its moderator, only for a few minutes."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        back = self._safe_next(request, reverse("admin:comments_comment_changelist"))
        try:
            status, before = moderation.read_undo_token(
                request.POST.get("token", ""), moderator_id=request.user.pk
            )
        except signing.BadSignature:
            if self._wants_json(request):
                return JsonResponse({"error": "This undo has expired."}, status=400)
            self.message_user(request, "This undo has expired or is not yours.", messages.ERROR)
            return redirect(back)
        restored = {}
        for old in set(before.values()):  # only what still has the status the decision set
            still = Comment.objects.filter(pk__in=[pk for pk in before if before[pk] == old])
            changed = services.moderate(
                comments=still.filter(status=status), status=old, moderator=request.user, via="undo"
            )
            restored.update(dict.fromkeys(changed, old))
        text = ngettext(
            "Undone: %(n)d comment is back.", "Undone: %(n)d comments are back.", len(restored)
        ) % {"n": len(restored)}
        if self._wants_json(request):
            post_ids = Comment.objects.filter(pk__in=restored).values_list("post_id", flat=True)
            return JsonResponse(
                {
                    "message": text,
                    "restored": {
                        str(pk): {"status": old, "label": Comment.Status(old).label}
                        for pk, old in restored.items()
                    },
                    "counts": self._counts(set(post_ids)),
                }
            )
        self.message_user(request, text, messages.SUCCESS)
        return redirect(back)

    def reply_view(self, request, object_id):
        """Answer a comment as staff: "Reply", or "Approve and reply" for a pending one."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = self._safe_next(request, self._action_url(comment, "change"))
        form = StaffReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            approve = "_approve" in request.POST and comment.status == Comment.Status.PENDING
            reply = services.reply_as_staff(
                comment=comment,
                body=form.cleaned_data["body"],
                moderator=request.user,
                approve_first=approve,
            )
            done = format_html(
                '{} the comment by {}. <a href="{}">See the reply</a>',
                "Approved and replied to" if approve else "Replied to",
                comment.author_name,
                reply.get_absolute_url(),
            )
            self.message_user(request, done, messages.SUCCESS)
            return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reply to {comment.author_name}",
            "comment": comment,
            "form": form,
            "next": back,
            "may_approve": comment.status == Comment.Status.PENDING,
            "change_url": self._action_url(comment, "change"),
        }
        return TemplateResponse(request, "admin/comments/comment/reply.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_moderate_permission(request):
            context["moderation_buttons"] = [
                dict(name=action.name, label=action.button, url=self._action_url(obj, action.name))
                for action in moderation.ACTIONS
                if obj.status != action.status
            ]
            context["reply_url"] = self._action_url(obj, "reply")
        return super().render_change_form(request, context, add, change, form_url, obj)
