from django.urls import path, re_path, register_converter

from blog import feeds, tagging, views

register_converter(tagging.TagSlugConverter, "tag_slug")


def routes(*, post_page, page) -> list:
    """The blog's routes, with the site's post page and page views (config/urls.py)."""
    return [
        path("", views.PostListView.as_view(), name="index"),
        path("blog/", views.PostListView.as_view(), name="post_list"),
        path("blog/feed/", feeds.LatestPostsFeed(), name="feed_rss"),
        path("blog/search/", views.SearchView.as_view(), name="search"),
        path("blog/feed/atom/", feeds.LatestPostsAtomFeed(), name="feed_atom"),
        path("blog/tag/<tag_slug:tag>/", views.TagPostListView.as_view(), name="tag"),
        path("blog/tag/<tag_slug:tag>/feed/", feeds.TagFeed(), name="tag_feed_rss"),
        path("blog/tag/<tag_slug:tag>/feed/atom/", feeds.TagAtomFeed(), name="tag_feed_atom"),
        re_path(
            r"^blog/(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
            views.MonthArchiveView.as_view(),
            name="archive_month",
        ),
        path("blog/author/<int:pk>/", views.AuthorPostListView.as_view(), name="author"),
        path("blog/preview/<str:token>/", views.post_preview, name="post_preview"),
        path("blog/<slug:slug>/", post_page.as_view(), name="post_detail"),
        path("<slug:slug>/", page.as_view(), name="page"),
    ]
