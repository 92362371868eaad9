"""Cross-site request forgery is refused by Fetch Metadata, with no token on public pages
(core.middleware.CrossOriginProtectionMiddleware); the admin keeps Django's token check too."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from comments.notifications import make_link_token
from tests.factories import (
    USER_PASSWORD,
    CommentFactory,
    CommentFormDataFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OURS = "http://testserver"
CROSS_SITE = {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}
SAME_ORIGIN = {"sec-fetch-site": "same-origin", "origin": OURS}
FORGERIES = {
    "cross-site": CROSS_SITE,
    "same-site, foreign origin": {"sec-fetch-site": "same-site", "origin": "http://a.testserver"},
    "cross-site, no origin": {"sec-fetch-site": "cross-site"},
    "foreign origin, no fetch metadata": {"origin": "https://evil.example"},
}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def browser() -> Client:
    """A client checked as a browser is: the test client skips CSRF checks unless asked."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def post():
    return PostFactory()


@pytest.mark.parametrize("headers", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_comment_posted_from_another_site_is_refused_and_not_stored(post, headers):
    data = CommentFormDataFactory(post=post)
    response = browser().post(reverse("comments:submit", args=[post.pk]), data, headers=headers)
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [SAME_ORIGIN, {"sec-fetch-site": "same-origin"}, {"origin": OURS}, {}],
    ids=["same-origin", "fetch metadata only", "origin only", "neither header"],
)
def test_a_comment_posted_from_our_page_without_any_cookie_is_stored(post, headers):
    reader = browser()
    data = CommentFormDataFactory(post=post, body="From our own page.")
    response = reader.post(reverse("comments:submit", args=[post.pk]), data, headers=headers)
    assert response.status_code == 302
    assert Comment.objects.get().body == "From our own page."


def test_a_trusted_origin_may_post_from_a_sibling_site(post, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]
    headers = {"sec-fetch-site": "same-site", "origin": "https://www.example.org"}
    data = CommentFormDataFactory(post=post)
    response = browser().post(reverse("comments:submit", args=[post.pk]), data, headers=headers)
    assert response.status_code == 302


def test_the_comment_form_carries_no_csrf_token(client, post):
    assert "csrfmiddlewaretoken" not in client.get(post.get_absolute_url()).content.decode()


# The admin: Fetch Metadata first, then Django's own token check (csrf_protect)


def login_form(client) -> dict:
    page = client.get("/admin/login/").content.decode()
    return {
        "username": "boss",
        "password": USER_PASSWORD,
        "csrfmiddlewaretoken": TOKEN.search(page)[1],
    }


@pytest.fixture
def boss():
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


def test_the_admin_login_from_another_site_is_refused(boss):
    client = browser()
    response = client.post("/admin/login/", login_form(client), headers=CROSS_SITE)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_admin_login_from_our_page_logs_in_and_still_needs_its_token(boss):
    client = browser()
    form = login_form(client)
    without_token = {**form, "csrfmiddlewaretoken": ""}
    assert client.post("/admin/login/", without_token, headers=SAME_ORIGIN).status_code == 403
    assert "_auth_user_id" not in client.session
    assert client.post("/admin/login/", form, headers=SAME_ORIGIN).status_code == 302
    assert client.session["_auth_user_id"] == str(boss.pk)


def approve_action(client) -> dict:
    page = client.get("/admin/comments/comment/").content.decode()
    return {"action": "approve_selected", "csrfmiddlewaretoken": TOKEN.search(page)[1]}


def test_an_admin_action_from_another_site_is_refused(boss):
    comment = CommentFactory(pending=True)
    client = browser()
    client.force_login(boss)
    data = {**approve_action(client), "_selected_action": [comment.pk]}
    response = client.post("/admin/comments/comment/", data, headers=CROSS_SITE)
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_an_admin_action_from_our_page_acts_and_still_needs_its_token(boss):
    comment = CommentFactory(pending=True)
    client = browser()
    client.force_login(boss)
    data = {**approve_action(client), "_selected_action": [comment.pk]}
    without_token = {**data, "csrfmiddlewaretoken": ""}
    url = "/admin/comments/comment/"
    assert client.post(url, without_token, headers=SAME_ORIGIN).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert client.post(url, data, headers=SAME_ORIGIN).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


# The moderators' e-mailed links: their confirmation page posts to itself, with no token


def moderation_link(comment, action, moderator) -> str:
    token = make_link_token(comment=comment, action=action, moderator=moderator)
    return reverse("comments:moderate_link", kwargs={"token": token})


def test_a_moderation_link_confirmed_from_another_site_is_refused(moderator):
    comment = CommentFactory(pending=True)
    url = moderation_link(comment, "approve", moderator)
    assert browser().post(url, headers=CROSS_SITE).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


def test_a_moderation_link_confirmed_on_its_page_acts_without_a_cookie(moderator):
    comment = CommentFactory(pending=True)
    url = moderation_link(comment, "approve", moderator)
    page = browser().get(url)
    assert "csrfmiddlewaretoken" not in page.content.decode() and not page.cookies
    assert browser().post(url, headers=SAME_ORIGIN).status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
