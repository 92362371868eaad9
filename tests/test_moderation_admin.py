import math
import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory, bulk_pending_comments

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"
PENDING_CHANGELIST = CHANGELIST + "?status__exact=pending"
# Session, user, permissions, the filters' choices, the filtered count, the page and its
# commenters' history, reading the rows, their History (one INSERT ... SELECT), the UPDATE, the
# posts' lock and recount, their comment pages laid out again (two reads, one UPDATE), the page
# cache's bump, the message: a fixed number of statements, never one per comment.
QUERIES_TO_APPROVE_ANY_NUMBER = 26
ACTION_LABELS = ["Approve selected comments", "Reject selected comments", "Mark selected as spam"]


def comment_permissions(*codenames):
    return Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)


@pytest.fixture
def superuser():
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def editor():
    """Staff who may see and edit comments, but not moderate them (like Editors or Authors)."""
    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.add(*comment_permissions("view_comment", "change_comment"))
    return user


@pytest.fixture(params=["superuser", "moderator"])
def moderating_user(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(params=[("superuser", True), ("moderator", True), ("editor", False)])
def role(request):
    """(user, may moderate) for each kind of staff member."""
    name, may_moderate = request.param
    return request.getfixturevalue(name), may_moderate


def logged_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def run_action(client, action, comments, url=CHANGELIST, **extra):
    data = {"action": action, "index": 0, "_selected_action": [c.pk for c in comments], **extra}
    return client.post(url, data)


def shown_messages(client, url):
    """The admin messages on the next page, without the Undo form that follows each one."""
    return [str(m).split(" <form", 1)[0] for m in client.get(url).context["messages"]]


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def one_click_url(comment, action):
    return reverse(f"admin:comments_comment_{action}", args=[comment.pk])


# The changelist


def test_changelist_lists_pending_comments_first_then_newest_first(moderator):
    now = timezone.now()
    old_pending = CommentFactory(created=now - timedelta(days=3))
    new_pending = CommentFactory(created=now - timedelta(days=1))
    newest_approved = CommentFactory(approved=True, created=now)
    old_rejected = CommentFactory(status=Comment.Status.REJECTED, created=now - timedelta(days=5))

    response = logged_in(moderator).get(CHANGELIST)

    assert list(response.context["cl"].result_list) == [
        new_pending,
        old_pending,
        newest_approved,
        old_rejected,
    ]


def test_changelist_shows_whole_comment_author_post_link_status_reasons_and_created(moderator):
    comment = CommentFactory(
        author_name="Ada Reader",
        body="A long thought. " * 20,
        moderation_reasons=["3 links", "new commenter"],
        post__title="On moderation",
    )

    html = logged_in(moderator).get(CHANGELIST).content.decode()

    assert comment.body.strip() in html  # the whole comment, not an excerpt
    assert "Ada Reader" in html
    assert f'<a href="{comment.post.get_absolute_url()}">On moderation</a>' in html
    assert "Held: 3 links, new commenter" in html
    assert 'class="field-status">Pending<' in html
    assert 'class="field-created nowrap">' in html


def test_changelist_query_count_does_not_grow_with_comments(moderator):
    client = logged_in(moderator)
    CommentFactory.create_batch(5)  # each on a post of its own
    with CaptureQueriesContext(connection) as five:
        assert client.get(CHANGELIST).status_code == 200

    CommentFactory.create_batch(45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 50
    assert len(fifty) == len(five)


def test_changelist_shows_fifty_comments_per_page(moderator):
    CommentFactory.create_batch(51, post=PostFactory())

    cl = logged_in(moderator).get(PENDING_CHANGELIST).context["cl"]

    assert len(cl.result_list) == 50
    assert cl.paginator.num_pages == 2


@pytest.mark.parametrize("query", ["Grace Hopper", "grace@navy.example", "compiler", "203.0.113.7"])
def test_changelist_search_finds_comments_by_name_email_body_and_ip(moderator, query):
    wanted = CommentFactory(
        author_name="Grace Hopper",
        author_email="grace@navy.example",
        body="The compiler did it.",
        ip_address="203.0.113.7",
    )
    CommentFactory(
        author_name="Alan Turing",
        author_email="alan@example.com",
        body="Can machines think?",
        ip_address="198.51.100.1",
    )

    cl = logged_in(moderator).get(CHANGELIST, {"q": query}).context["cl"]

    assert list(cl.result_list) == [wanted]


def test_changelist_filters_by_status_and_by_date(moderator):
    pending = CommentFactory(created=timezone.now())
    CommentFactory(approved=True)
    last_year = CommentFactory(created=timezone.now() - timedelta(days=400))
    client = logged_in(moderator)

    by_status = client.get(CHANGELIST, {"status__exact": "approved"}).context["cl"]
    by_year = client.get(CHANGELIST, {"created__year": pending.created.year}).context["cl"]

    assert [c.status for c in by_status.result_list] == ["approved"]
    assert last_year not in by_year.result_list
    assert pending in by_year.result_list


def test_post_filter_shows_each_posts_pending_count_and_narrows_the_list(moderator):
    busy = PostFactory(title="Busy post")
    quiet = PostFactory(title="Quiet post")
    busy_comments = [
        *CommentFactory.create_batch(2, post=busy),
        CommentFactory(post=busy, approved=True),
    ]
    CommentFactory(post=quiet, approved=True)
    client = logged_in(moderator)

    html = client.get(CHANGELIST).content.decode()
    cl = client.get(CHANGELIST, {"post": busy.pk}).context["cl"]

    assert "Busy post (2 pending)" in html
    assert "Quiet post</a>" in html
    assert "Quiet post (" not in html
    assert sorted(cl.result_list, key=lambda c: c.pk) == busy_comments


def test_post_filter_with_a_malformed_id_redirects_instead_of_crashing(moderator):
    CommentFactory()

    response = logged_in(moderator).get(CHANGELIST, {"post": "not-a-number"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


# Bulk actions


def test_moderation_actions_are_offered_to_moderators_only(role):
    user, may_moderate = role
    CommentFactory()

    html = logged_in(user).get(CHANGELIST).content.decode()

    assert html.count('name="action"') == (1 if may_moderate else 0)
    for label in ACTION_LABELS:
        assert (label in html) is may_moderate


@pytest.mark.parametrize(
    "action, status, message",
    [
        ("approve_selected", Comment.Status.APPROVED, "Approved 2 comments."),
        ("reject_selected", Comment.Status.REJECTED, "Rejected 2 comments."),
        ("mark_selected_spam", Comment.Status.SPAM, "Marked 2 comments as spam."),
    ],
)
def test_moderation_action_changes_only_the_selected_comments_and_reports_the_count(
    moderating_user, action, status, message
):
    post = PostFactory()
    chosen = CommentFactory.create_batch(2, post=post)
    untouched = CommentFactory(post=post)
    client = logged_in(moderating_user)

    response = run_action(client, action, chosen)

    assert response.status_code == 302
    assert statuses(chosen) == [status, status]
    assert statuses([untouched]) == [Comment.Status.PENDING]
    assert Comment.objects.get(pk=chosen[0].pk).moderated_by == moderating_user
    assert message in shown_messages(client, CHANGELIST)


def test_approve_action_recounts_the_posts_approved_comments(moderator):
    post = PostFactory()
    comments = CommentFactory.create_batch(3, post=post)

    run_action(logged_in(moderator), "approve_selected", comments)
    post.refresh_from_db()
    assert post.approved_comment_count == 3

    run_action(logged_in(moderator), "reject_selected", comments[:1])
    post.refresh_from_db()
    assert post.approved_comment_count == 2


def test_non_moderator_posting_a_moderation_action_changes_nothing(editor, moderator):
    comments = CommentFactory.create_batch(2)

    run_action(logged_in(editor), "approve_selected", comments)
    assert statuses(comments) == [Comment.Status.PENDING] * 2

    run_action(logged_in(moderator), "approve_selected", comments)
    assert statuses(comments) == [Comment.Status.APPROVED] * 2


def test_deleting_comments_needs_the_moderate_permission_too(moderator):
    deleter = UserFactory(username="deleter", is_staff=True)
    deleter.user_permissions.add(
        *comment_permissions("view_comment", "change_comment", "delete_comment")
    )
    comment = CommentFactory()
    delete_url = reverse("admin:comments_comment_delete", args=[comment.pk])

    assert "Delete selected" not in logged_in(deleter).get(CHANGELIST).content.decode()
    assert logged_in(deleter).post(delete_url, {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()

    assert "Delete selected" in logged_in(moderator).get(CHANGELIST).content.decode()
    assert logged_in(moderator).post(delete_url, {"post": "yes"}).status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()


@pytest.mark.parametrize("how", ["delete_selected action", "delete page"])
def test_deleting_an_approved_comment_recounts_its_post(moderator, how):
    post = PostFactory()
    doomed, kept = CommentFactory.create_batch(2, post=post, approved=True)
    Post.objects.filter(pk=post.pk).update(approved_comment_count=2)
    client = logged_in(moderator)

    if how == "delete page":
        url = reverse("admin:comments_comment_delete", args=[doomed.pk])
        response = client.post(url, {"post": "yes"})
    else:
        response = run_action(client, "delete_selected", [doomed], post="yes")

    assert response.status_code == 302
    assert list(Comment.objects.all()) == [kept]
    post.refresh_from_db()
    assert post.approved_comment_count == 1


def test_comments_cannot_be_added_in_the_admin(superuser):
    client = logged_in(superuser)

    assert client.get(reverse("admin:comments_comment_add")).status_code == 403
    assert client.get(CHANGELIST).status_code == 200


# One-click buttons on the change page


def test_change_page_shows_moderation_buttons_to_moderators_only(role):
    user, may_moderate = role
    comment = CommentFactory()

    html = logged_in(user).get(change_url(comment)).content.decode()

    for action in ["approve", "reject", "spam"]:
        assert (f'action="{one_click_url(comment, action)}"' in html) is may_moderate


def test_change_page_offers_no_button_for_the_status_the_comment_already_has(moderator):
    comment = CommentFactory(approved=True)

    html = logged_in(moderator).get(change_url(comment)).content.decode()

    assert one_click_url(comment, "approve") not in html
    assert one_click_url(comment, "reject") in html
    assert one_click_url(comment, "spam") in html


@pytest.mark.parametrize(
    "action, status, message",
    [
        ("approve", Comment.Status.APPROVED, "Approved the comment by Ada."),
        ("reject", Comment.Status.REJECTED, "Rejected the comment by Ada."),
        ("spam", Comment.Status.SPAM, "Marked the comment by Ada as spam."),
    ],
)
def test_one_click_button_moderates_and_returns_to_the_comment_with_a_message(
    moderating_user, action, status, message
):
    comment = CommentFactory(author_name="Ada")
    client = logged_in(moderating_user)

    response = client.post(one_click_url(comment, action))

    assert response.status_code == 302
    assert response["Location"] == change_url(comment)
    comment.refresh_from_db()
    assert comment.status == status
    assert comment.moderated_by == moderating_user
    assert comment.moderated_at is not None
    assert message in shown_messages(client, change_url(comment))


def test_one_click_approve_recounts_the_post(moderator):
    comment = CommentFactory()

    logged_in(moderator).post(one_click_url(comment, "approve"))

    assert Post.objects.get(pk=comment.post_id).approved_comment_count == 1


def test_one_click_urls_refuse_get_and_users_without_the_moderate_permission(editor, moderator):
    comment = CommentFactory()
    url = one_click_url(comment, "approve")

    assert logged_in(moderator).get(url).status_code == 405
    assert logged_in(editor).post(url).status_code == 403
    assert statuses([comment]) == [Comment.Status.PENDING]

    assert logged_in(moderator).post(url).status_code == 302
    assert statuses([comment]) == [Comment.Status.APPROVED]


def test_one_click_urls_need_the_csrf_token_of_the_change_page(moderator):
    comment = CommentFactory()
    client = logged_in(moderator, enforce_csrf_checks=True)
    url = one_click_url(comment, "approve")

    assert client.post(url).status_code == 403
    assert statuses([comment]) == [Comment.Status.PENDING]

    html = client.get(change_url(comment)).content.decode()
    button_form = re.search(rf'action="{re.escape(url)}">(.*?)</form>', html, re.S).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', button_form).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert statuses([comment]) == [Comment.Status.APPROVED]


def test_one_click_on_a_missing_comment_goes_back_to_the_admin(moderator):
    response = logged_in(moderator).post(reverse("admin:comments_comment_approve", args=[999]))

    assert response.status_code == 302
    assert Comment.objects.count() == 0


# The change form


def test_status_is_read_only_in_the_change_form_even_for_moderators(moderator, editor):
    comment = CommentFactory(body="Helo world")
    form = {
        "author_name": comment.author_name,
        "author_email": comment.author_email,
        "author_url": "",
        "body": "Hello world",
        "status": Comment.Status.APPROVED,
        "_save": "Save",
    }

    for user in [moderator, editor]:
        client = logged_in(user)
        assert 'name="status"' not in client.get(change_url(comment)).content.decode()
        assert client.post(change_url(comment), form).status_code == 302

    comment.refresh_from_db()
    assert comment.body == "Hello world"  # the edit went through...
    assert comment.body_html == "<p>Hello world</p>"
    assert comment.status == Comment.Status.PENDING  # ...the status change did not


# Pending count on the admin index


def test_admin_index_shows_moderators_how_many_comments_await_moderation(role):
    user, may_moderate = role
    CommentFactory.create_batch(3)
    CommentFactory(approved=True)

    html = logged_in(user).get(reverse("admin:index")).content.decode()

    notice = f'<a href="{PENDING_CHANGELIST}">3 comments awaiting moderation</a>'
    assert (notice in html) is may_moderate


def test_admin_index_shows_no_notice_when_nothing_is_pending(moderator):
    CommentFactory(approved=True)

    html = logged_in(moderator).get(reverse("admin:index")).content.decode()

    assert "awaiting moderation" not in html


# Moderation settings


def test_moderation_settings_list_opens_the_single_settings_row(moderator, editor):
    url = reverse("admin:comments_moderationsettings_changelist")

    assert logged_in(editor).get(url).status_code == 403

    response = logged_in(moderator).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:comments_moderationsettings_change", args=[1])
    assert logged_in(moderator).get(response["Location"]).status_code == 200


# Ten thousand at once


@pytest.fixture
def ten_thousand_pending():
    post = PostFactory()
    bulk_pending_comments(post, 10_000)
    return post


def test_moderator_approves_ten_thousand_pending_comments_in_one_request(
    moderator, ten_thousand_pending
):
    post = ten_thousand_pending
    rejected = CommentFactory(post=post, status=Comment.Status.REJECTED)
    client = logged_in(moderator)
    page = client.get(PENDING_CHANGELIST).context["cl"]
    shown = list(page.result_list)
    assert page.result_count == 10_000 and len(shown) == 50

    # Ticking a checkbox approves only what is ticked...
    run_action(client, "approve_selected", shown[:1], url=PENDING_CHANGELIST)
    assert Comment.objects.pending().count() == 9_999

    # ..."Select all 9,999 comments" (select_across) approves the whole filtered list.
    # Its speed is measured by the benchmark (make bench); here, that it is a few statements.
    with CaptureQueriesContext(connection) as queries:
        response = run_action(
            client, "approve_selected", shown[1:], url=PENDING_CHANGELIST, select_across=1
        )
    print(f"\nBulk-approved 9,999 comments in one request: {len(queries)} queries")

    assert response.status_code == 302
    assert Comment.objects.pending().count() == 0
    assert Comment.objects.approved().count() == 10_000
    assert statuses([rejected]) == [Comment.Status.REJECTED]  # outside the filtered list
    post.refresh_from_db()
    assert post.approved_comment_count == 10_000
    # A fixed number of statements, and the History's rows in as few INSERTs as the database
    # takes (LogEntry.objects.log_actions() batches them: 1-2 on PostgreSQL, 71 on SQLite).
    log_fields = [field for field in LogEntry._meta.concrete_fields if not field.primary_key]
    log_inserts = math.ceil(9_999 / connection.ops.bulk_batch_size(log_fields, [None] * 9_999))
    assert len(queries) <= QUERIES_TO_APPROVE_ANY_NUMBER + log_inserts


def test_posting_ten_thousand_ids_one_by_one_is_refused_by_the_upload_limit(
    moderator, ten_thousand_pending
):
    # Why select_across: the admin's form refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS ids.
    response = run_action(
        logged_in(moderator), "approve_selected", list(Comment.objects.only("pk"))
    )

    assert response.status_code == 400
    assert Comment.objects.pending().count() == 10_000


def test_post_admin_shows_each_posts_pending_count_linking_to_its_queue(admin_client):
    post = PostFactory(title="Busy post")
    CommentFactory.create_batch(2, post=post, pending=True)
    CommentFactory(post=post, approved=True)
    html = admin_client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert f'?post={post.pk}&amp;status__exact=pending">2 pending</a>' in html
    queue = admin_client.get(
        reverse("admin:comments_comment_changelist") + f"?post={post.pk}&status__exact=pending"
    )
    assert len(queue.context["cl"].result_list) == 2
