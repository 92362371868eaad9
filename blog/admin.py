from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from blog import revisions, workflow
from blog.admin_lists import QuickRowsMixin
from blog.forms import PostAdminForm, PreviewLinkForm
from blog.models import Post, PostRevision, PreviewLink, render_body
from blog.pagination import EstimatedCountPaginator
from blog.rendering import MAX_BODY_LENGTH
from blog.seo import absolute_url
from images.admin import LIBRARY_IMAGES_ON_FORM
from images.models import Image
from images.uploads import ImageUploadField


class PreviewLinkInline(admin.StackedInline):
    """Share links for reviewers without an account, listed and created on the post's page."""

    model = PreviewLink
    form = PreviewLinkForm
    extra = 0
    # Links are revoked rather than deleted, so the page keeps a record of who had access.
    can_delete = False
    fields = ["share_url", "expires_at", "link_state", "created_by", "revoke"]
    readonly_fields = ["share_url", "link_state", "created_by"]
    verbose_name = "share link"
    verbose_name_plural = "share links (preview for reviewers without an account)"

    @admin.display(description="address")
    def share_url(self, link):
        if link.pk is None:
            return "Appears once you save."
        url = absolute_url(link.get_absolute_url())
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description="state")
    def link_state(self, link):
        if link.pk is None:
            return "New"
        if link.revoked_at is not None:
            return "Revoked"
        return "Active" if link.is_active else "Expired"


class UsedByVisiblePostsFilter(admin.RelatedOnlyFieldListFilter):
    """RelatedOnlyFieldListFilter probing each value (one index probe) instead of a DISTINCT over
    every post's values."""

    def field_choices(self, field, request, model_admin):
        posts = model_admin.get_queryset(request).filter(**{self.field_path: OuterRef("pk")})
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to=Q(Exists(posts)), ordering=ordering
        )


class PublicationStateFilter(admin.SimpleListFilter):
    """Each state from its QuerySet method."""

    title = "state"
    parameter_name = "state"
    STATES = {
        "draft": ("Draft", lambda posts: posts.drafts()),
        "changes": ("Changes requested", lambda posts: posts.changes_requested()),
        "review": ("In review", lambda posts: posts.in_review()),
        "scheduled": ("Scheduled", lambda posts: posts.scheduled()),
        "published": ("Published", lambda posts: posts.published()),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.STATES.items()]

    def queryset(self, request, queryset):
        state = self.STATES.get(self.value())
        return state[1](queryset) if state else queryset


class MinePostsFilter(admin.SimpleListFilter):
    title = "author"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "My posts")]

    def queryset(self, request, queryset):
        return queryset.filter(author=request.user) if self.value() == "1" else queryset


@admin.register(Post)
class PostAdmin(QuickRowsMixin, admin.ModelAdmin):
    """Who may open or change a post: `Post.objects.viewable_by()` / `editable_by()`; the
    buttons and the actions each role may send: blog.workflow."""

    form = PostAdminForm
    # Covers are checked once, by images.uploads.validate_image (the model field's validator).
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    list_display = ["title", "publication_status", "publish_at", "author", "comments"]
    # Only tags and authors of posts this user may open (not those of someone else's draft).
    list_filter = [
        PublicationStateFilter,
        MinePostsFilter,
        "publish_at",
        ("author", UsedByVisiblePostsFilter),
        ("tags", UsedByVisiblePostsFilter),
    ]
    list_select_related = ["author"]
    search_fields = ["title", "body"]
    # No COUNT(*) or date drill-down (a DISTINCT) over 100,000 posts; "publish_at" filters dates.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PreviewLinkInline]
    actions = ["publish_selected", "unpublish_selected"]

    @admin.display(description="status", ordering="status")
    def publication_status(self, post):
        if post.is_published:
            return "Published"
        if post.is_scheduled:
            return f"Scheduled for {timezone.localtime(post.publish_at):%Y-%m-%d %H:%M}"
        if post.changes_requested:
            return "Changes requested"
        return post.get_status_display()

    @admin.display(description="comments", ordering="approved_comment_count")
    def comments(self, post):
        return post.approved_comment_count

    def get_queryset(self, request):
        return Post.objects.viewable_by(request.user).select_related("author")

    def get_object(self, request, object_id, from_field=None):
        # Among all posts: someone else's is then refused (403), not reported as deleted.
        field = Post._meta.pk if from_field is None else Post._meta.get_field(from_field)
        try:
            return Post.objects.posts().get(**{field.name: field.to_python(object_id)})
        except (Post.DoesNotExist, ValueError, ValidationError):
            return None

    def _may_view(self, request, post):
        return post is None or Post.objects.viewable_by(request.user).filter(pk=post.pk).exists()

    def _may_edit(self, request, post):
        return post is None or Post.objects.editable_by(request.user).filter(pk=post.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may_view(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def has_publish_permission(self, request):
        return workflow.is_editor(request.user)

    def get_readonly_fields(self, request, obj=None):
        # The status follows the button pressed (blog.workflow), never a field.
        if self.has_publish_permission(request):
            return ["status"]
        # Authors write; editors decide when a post goes live and whose name is on it.
        return ["status", "publish_at", "author", "review_note", "pinned"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_publish_permission(request):
            return fields
        # An author reads the editor's note at the top of the form (change_form.html).
        return [field for field in fields if field != "review_note"]

    def get_list_filter(self, request):
        if self.has_publish_permission(request):
            return self.list_filter
        return [f for f in self.list_filter if not isinstance(f, tuple) or f[0] != "author"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_publish_permission(request):
            extra_context = {"title": "My posts", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            post = self.get_object(request, unquote(object_id)) if object_id else None
            action = request.POST.get("_action") or workflow.DEFAULT_ACTION
            if action not in workflow.allowed_actions(request.user, post):
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_buttons"] = workflow.buttons(request.user, obj)
        form = context["adminform"].form
        if form.preview_html and list(form.errors) == [NON_FIELD_ERRORS]:
            # The preview's own "error" only stops the save: nothing for the writer to correct.
            context["errors"] = []
        if request.user.has_perm("images.view_image"):
            context["library_images"] = Image.objects.all()[:LIBRARY_IMAGES_ON_FORM]
            context["may_upload_images"] = request.user.has_perm("images.add_image")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change and not self.has_publish_permission(request):
            obj.author = request.user
        workflow.apply(
            post=obj,
            action=form.action,
            stored_publish_at=form.stored_publish_at,
            note=form.cleaned_data.get("review_note", ""),
        )
        super().save_model(request, obj, form, change)
        workflow.notify_after(post=obj, action=form.action, request_user=request.user)

    def _stay_on_page(self, request, obj):
        action = request.POST.get("_action")
        if "_addanother" in request.POST or action not in ("draft", "keep", "publish", "schedule"):
            return None
        if action in ("publish", "schedule"):
            when = f"{timezone.localtime(obj.publish_at):%Y-%m-%d %H:%M}"
            if obj.is_published:
                text = '“{}” is live since {}: <a href="{}">view it</a>.'
            else:
                text = (
                    '“{}” is scheduled to go live at {} (site time): <a href="{}">preview it</a>.'
                )
            self.message_user(request, format_html(text, obj, when, obj.get_absolute_url()))
        else:
            self.message_user(request, f"“{obj}” saved.")
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[obj.pk]))

    def response_add(self, request, obj, post_url_continue=None):
        stay = self._stay_on_page(request, obj)
        return stay or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._stay_on_page(request, obj) or super().response_change(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the tags are saved, so the revision has them.
        note = workflow.LABELS.get(form.action, "")
        revisions.record(post=form.instance, user=request.user, note=note)

    def get_urls(self):
        view = self.admin_site.admin_view
        preview = require_POST(self.preview_body_view)
        history = "<path:object_id>/revisions/"
        restore = f"{history}<int:revision_id>/restore/"
        return [
            path("preview/", view(preview), name="blog_post_preview_body"),
            path(history, view(self.revisions_view), name="blog_post_revisions"),
            path(restore, view(self.restore_view), name="blog_post_restore"),
            *super().get_urls(),
        ]

    def preview_body_view(self, request):
        """The body as the public page renders it, for the form's side-by-side preview; on an
        existing post (`post`), only for those who may change it."""
        if post_id := request.POST.get("post", ""):
            self._post_for(request, post_id, self.has_change_permission)
        elif not self.has_add_permission(request):
            raise PermissionDenied
        body = request.POST.get("body", "")
        if len(body) > MAX_BODY_LENGTH:
            message = f"The body is over {MAX_BODY_LENGTH:,} characters: shorten it to preview."
            return JsonResponse({"error": message}, status=400)
        return JsonResponse({"html": render_body(body)})

    def _post_for(self, request, object_id, may):
        post = self.get_object(request, unquote(object_id))
        if post is None:
            raise Http404
        if not may(request, post):
            raise PermissionDenied
        return post

    def revisions_view(self, request, object_id):
        """Every revision of the post, numbered, newest first, each with what it changed; and
        any two of them, or one and the current text, compared (?from=2&to=current)."""
        post = self._post_for(request, object_id, self.has_view_permission)
        kept = revisions.numbered(post)
        may_restore = self.has_change_permission(request, post)
        history = [
            {
                "when": revision.created,
                "number": i + 1,
                "revision": revision,
                "changes": revisions.diff(kept[i - 1] if i else None, revision),
                # The newest revision is what the post says now: nothing to restore.
                "may_restore": may_restore and i < len(kept) - 1,
            }
            for i, revision in enumerate(kept)
        ]
        if went_live := revisions.went_live_at(post, kept):
            history.append({"when": went_live, "event": "Went live as scheduled"})
        history.sort(key=lambda entry: entry["when"], reverse=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions of “{post}”",
            "opts": self.opts,
            "original": post,
            "history": history,
            "numbers": range(len(kept), 0, -1),
            "comparison": self._comparison(request, post, kept),
        }
        return TemplateResponse(request, "admin/blog/post/revisions.html", context)

    def _comparison(self, request, post, kept):
        """The two versions ?from= and ?to= name (a revision's number or "current"), compared;
        None unless both name one."""

        def version(choice):
            if choice == "current":
                return "the current text", revisions.snapshot(post)
            if choice.isascii() and choice.isdigit() and 1 <= int(choice) <= len(kept):
                return f"revision {int(choice)}", kept[int(choice) - 1]
            return None

        choices = request.GET.get("from", ""), request.GET.get("to", "")
        older, newer = version(choices[0]), version(choices[1])
        if older is None or newer is None:
            return None
        return {
            "title": f"From {older[0]} to {newer[0]}",
            "changes": revisions.diff(older[1], newer[1]),
            "from": choices[0],
            "to": choices[1],
        }

    def restore_view(self, request, object_id, revision_id):
        """Asks first, showing what a restore would change; a POST restores the revision's
        text, tags and cover in one step (itself a revision)."""
        post = self._post_for(request, object_id, self.has_change_permission)
        revision = get_object_or_404(PostRevision, pk=revision_id, post=post)
        number = revisions.number_of(revision)
        if request.method != "POST":
            current = revisions.snapshot(post)
            context = {
                **self.admin_site.each_context(request),
                "title": f"Restore revision {number} of “{post}”?",
                "opts": self.opts,
                "original": post,
                "revision": revision,
                "number": number,
                "changes": revisions.diff(current, revision, fields=revisions.RESTORABLE),
            }
            return TemplateResponse(request, "admin/blog/post/restore_revision.html", context)
        revisions.restore(revision=revision, user=request.user)
        self.message_user(request, f"Restored revision {number}.")
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[post.pk]))

    def save_formset(self, request, form, formset, change):
        if formset.model is PreviewLink:
            for link_form in formset.forms:
                if link_form.instance.pk is None:
                    link_form.instance.created_by = request.user
        super().save_formset(request, form, formset, change)

    def _change_status(self, request, queryset, change, note) -> int:
        """Run `change` (publish or unpublish) and record a revision of each post it changed."""
        before = dict(queryset.values_list("pk", "status"))
        count = change()
        for post in queryset.filter(pk__in=before):
            if post.status != before[post.pk]:
                revisions.record(post=post, user=request.user, note=note)
        return count

    @admin.action(description="Publish selected posts", permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = self._change_status(request, queryset, queryset.publish, "Published")
        message = ngettext("%d post published.", "%d posts published.", count)
        self.message_user(request, message % count)

    @admin.action(description="Unpublish selected posts", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = self._change_status(request, queryset, queryset.unpublish, "Unpublished")
        message = ngettext("%d post returned to draft.", "%d posts returned to draft.", count)
        self.message_user(request, message % count)


from blog import site_admin  # noqa: E402, F401  (the owner's pages: settings, Pages)
