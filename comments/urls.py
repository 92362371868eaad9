from django.urls import path

from comments import moderation_links, views
from comments.feeds import PostCommentsFeed

app_name = "comments"

urlpatterns = [
    path("post/<int:post_id>/", views.submit, name="submit"),
    path("post/<int:post_id>/feed/", PostCommentsFeed(), name="post_feed"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    # The moderators' signed one-click links (comments:moderate_link), from the email.
    *moderation_links.urlpatterns,
]
