from django.urls import path

from comments import moderation_links, views
from comments.feeds import PostCommentsFeed

app_name = "comments"

urlpatterns = [
    path("post/<int:post_id>/", views.submit, name="submit"),
    path("post/<int:post_id>/feed/", PostCommentsFeed(), name="post_feed"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("my-data/", views.request_personal_data, name="request_personal_data"),
    path("my-data/<str:token>/", views.personal_data_link, name="personal_data"),
    # The moderators' signed one-click links (comments:moderate_link), from the email.
    *moderation_links.urlpatterns,
]
