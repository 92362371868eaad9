from django.urls import path

from blog import views

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="index"),
    path("blog/", views.PostListView.as_view(), name="post_list"),
    path("blog/tag/<slug:tag>/", views.TagPostListView.as_view(), name="tag"),
    path("blog/preview/<str:token>/", views.post_preview, name="post_preview"),
    path("blog/<slug:slug>/", views.PostDetailView.as_view(), name="post_detail"),
]
