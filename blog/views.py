from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from blog import search
from blog.forms import SearchForm
from blog.models import Post, PreviewLink


class PublishedPostsMixin:
    """What every public post page shares: the published() rule and the index page size."""

    model = Post
    paginate_by = settings.POSTS_PER_PAGE

    def get_queryset(self):
        return Post.objects.published().for_listing()


class PostListView(PublishedPostsMixin, ListView):
    template_name = "blog/post_list.html"


class TagPostListView(PublishedPostsMixin, ListView):
    template_name = "blog/post_list.html"
    allow_empty = False  # a tag used only by drafts must not reveal itself

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["tag"])
        return super().get_queryset().filter(tags__slug=self.tag.slug)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class SearchView(PublishedPostsMixin, ListView):
    """/blog/search/?q=: published posts matching the words; empty or invalid queries find none."""

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


class PostDetailView(DetailView):
    """A post page. Staff who may edit posts also see drafts and scheduled posts here."""

    template_name = "blog/post_detail.html"

    def get_queryset(self):
        return Post.objects.visible_to(self.request.user).for_detail()

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if not self.object.is_published:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

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
