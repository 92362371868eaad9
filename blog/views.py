from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, dates
from taggit.models import Tag

from blog import fragments, search
from blog.forms import SearchForm
from blog.models import Page, Post, PreviewLink
from blog.pagination import DeferredJoinPaginator, published_count, tag_count, tag_is_common


class PublishedPostsMixin:
    model = Post

    def get_paginate_by(self, queryset):
        return settings.POSTS_PER_PAGE  # read per request, so a changed setting is honoured

    def get_queryset(self):
        return Post.objects.published().for_listing()


class PostListView(PublishedPostsMixin, ListView):
    template_name = "blog/post_list.html"

    def get_paginator(self, queryset, per_page, **kwargs):
        return DeferredJoinPaginator(queryset, per_page, count=published_count(), **kwargs)

    def get_context_data(self, **kwargs):
        """Page 1 starts with the pinned posts, not repeated below them, as in WordPress."""
        context = super().get_context_data(**kwargs)
        if context["page_obj"].number != 1:
            return context
        pinned = list(Post.objects.published().pinned().for_listing()[: settings.POSTS_PER_PAGE])
        context["pinned_posts"] = pinned
        context["post_list"] = [post for post in context["post_list"] if post not in pinned]
        return context


class TagPostListView(PublishedPostsMixin, ListView):
    template_name = "blog/post_list.html"
    allow_empty = False  # a tag used only by drafts must not reveal itself

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["tag"])
        self.extra_context = {"tag": self.tag}
        return super().get_queryset().with_tag(self.tag, common=tag_is_common(self.tag))

    def get_paginator(self, queryset, per_page, **kwargs):
        return DeferredJoinPaginator(queryset, per_page, count=tag_count(self.tag), **kwargs)


class SearchView(PublishedPostsMixin, ListView):
    template_name = "blog/search.html"

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.terms = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        if not self.terms:
            return Post.objects.none()
        return search.search_posts(super().get_queryset(), self.terms)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, terms=self.terms, **kwargs)
        context["page_query"] = urlencode({"q": self.terms}) + "&"
        context["results"] = [
            (post, search.snippet(post, self.terms)) for post in context["post_list"]
        ]
        return context


class MonthArchiveView(PublishedPostsMixin, dates.MonthArchiveView):
    template_name = "blog/post_archive_month.html"
    date_field = "publish_at"
    month_format = "%m"
    allow_empty = False


class AuthorPostListView(PublishedPostsMixin, ListView):
    """Keyed by id, not username: that is half of a staff login."""

    template_name = "blog/post_list_author.html"
    allow_empty = False  # someone with no published post is not shown to be an author

    def get_queryset(self):
        author = get_object_or_404(get_user_model(), pk=self.kwargs["pk"])
        self.extra_context = {"author": author}
        return super().get_queryset().filter(author=author)


class PreviewMixin:
    """A draft's page is never cached, nor indexed."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class PostDetailView(PreviewMixin, DetailView):
    """A post page, from the fragment cache when published. Staff who may edit posts also see
    drafts and scheduled posts here."""

    template_name = "blog/post_detail.html"

    def get_queryset(self):
        return Post.objects.posts().visible_to(self.request.user).select_related("author")

    def get_object(self, queryset=None):
        post = fragments.published_post(self.kwargs[self.slug_url_kwarg])
        return post if post is not None else super().get_object(queryset)

    def get_context_data(self, **kwargs):
        if not self.object.is_published:
            prefetch_related_objects([self.object], "tags")
            return super().get_context_data(is_preview=True, **kwargs)
        parts = fragments.post_parts(self.object)
        return super().get_context_data(is_preview=False, parts=parts, **kwargs)


class PageDetailView(PreviewMixin, DetailView):
    """A page at its own address (/about/); staff who may edit pages also see drafts."""

    template_name = "blog/page_detail.html"

    def get_queryset(self):
        pages = Page.objects.defer("search_vector")
        if self.request.user.has_perm("blog.change_page"):
            return pages
        return pages.published()

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=not self.object.is_published, **kwargs)


@never_cache
def post_preview(request, token):
    """A draft shown through a share link, exactly as readers will see it once published."""
    link = get_object_or_404(
        PreviewLink.objects.active().select_related("post__author"), token=token
    )
    if link.post.is_published:
        # Once live, the public page is the one to share: it has comments and a stable address.
        return redirect(link.post)
    response = render(
        request,
        "blog/post_detail.html",
        {"post": link.post, "object": link.post, "is_preview": True, "preview_link": link},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
