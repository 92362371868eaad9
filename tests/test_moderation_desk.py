"""The moderation desk in the admin (issue 13): the queue, row actions, undo and the record."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments import models, moderation
from comments.models import Comment
from tests.factories import CommentFactory, PostFactory, UserFactory, bulk_pending_comments

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"
PENDING_QUEUE = QUEUE + "?status__exact=pending"
UNDO = "/admin/comments/comment/undo/"
JSON = {"HTTP_ACCEPT": "application/json"}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def action_url(comment, action):
    return reverse(f"admin:comments_comment_{action}", args=[comment.pk])


def status_of(comment):
    return Comment.objects.get(pk=comment.pk).status


def undo_token_in(client, url):
    """The token of the Undo form in the message shown on the next page."""
    html = client.get(url).content.decode()
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


# What the queue shows


def test_queue_shows_the_whole_comment_escaped_with_its_line_breaks(moderator):
    CommentFactory(body="First line\nsecond <b>line</b>\n\nNew paragraph")

    html = logged_in(moderator).get(QUEUE).content.decode()

    assert "<p>First line<br>second &lt;b&gt;line&lt;/b&gt;</p>\n<p>New paragraph</p>" in html


def test_queue_folds_a_long_comment_in_details_keeping_all_of_it(moderator):
    body = "word " * 200 + "THE-END"
    CommentFactory(body=body)

    html = logged_in(moderator).get(QUEUE).content.decode()

    assert '<details class="desk-long"><summary>' in html
    assert "THE-END" in html
    assert "(show all 1007 characters)" in html


def test_queue_quotes_the_parent_of_a_reply(moderator):
    parent = CommentFactory(author_name="Bea", body="Is 400mg too much?", approved=True)
    CommentFactory(parent=parent, body="No, it is the usual dose.")

    html = logged_in(moderator).get(PENDING_QUEUE).content.decode()

    assert (
        '<blockquote class="desk-parent"><span>In reply to Bea:</span> Is 400mg too much?' in html
    )


def test_queue_shows_the_commenter_with_links_to_their_other_comments(moderator):
    CommentFactory(
        author_name="Ann",
        author_email="ann@example.com",
        author_url="https://ann.example/",
        ip_address="203.0.113.9",
        moderation_reasons=["new commenter"],
    )

    html = logged_in(moderator).get(QUEUE).content.decode()

    assert "<strong>Ann</strong>" in html
    assert f'href="{QUEUE}?author_email=ann%40example.com"' in html
    assert f'href="{QUEUE}?ip_address=203.0.113.9"' in html
    assert 'href="https://ann.example/" rel="nofollow noopener noreferrer"' in html
    assert "Held: new commenter" in html


def test_queue_shows_the_commenters_history_by_email_whatever_its_case(moderator):
    CommentFactory(author_email="ann@example.com")
    CommentFactory.create_batch(2, author_email="ANN@example.com", approved=True)
    CommentFactory(author_email="ann@example.com", spam=True)
    CommentFactory(author_email="other@example.com", status=Comment.Status.REJECTED)

    html = logged_in(moderator).get(PENDING_QUEUE).content.decode()

    assert "2 approved · 0 rejected · 1 spam" in html


def test_queue_history_counts_stop_at_the_limit(moderator, monkeypatch):
    monkeypatch.setattr(models, "HISTORY_COUNT_LIMIT", 3)
    CommentFactory(author_email="ann@example.com")
    CommentFactory.create_batch(4, author_email="ann@example.com", approved=True)
    CommentFactory.create_batch(3, author_email="ann@example.com", spam=True)
    CommentFactory(author_email="bob@example.com")
    CommentFactory.create_batch(2, author_email="bob@example.com", approved=True)

    html = logged_in(moderator).get(PENDING_QUEUE).content.decode()

    assert "3+ approved · 0 rejected · 3 spam" in html
    assert "2 approved · 0 rejected · 0 spam" in html


@pytest.mark.parametrize(
    "lookup, value", [("author_email", "ann@example.com"), ("ip_address", "203.0.113.9")]
)
def test_email_and_ip_links_filter_the_queue(moderator, lookup, value):
    wanted = CommentFactory(author_email="ann@example.com", ip_address="203.0.113.9")
    CommentFactory(author_email="bob@example.com", ip_address="198.51.100.1")

    response = logged_in(moderator).get(QUEUE, {lookup: value})

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.parametrize("url", [QUEUE, PENDING_QUEUE])
def test_queue_takes_the_same_queries_with_10_and_1000_pending_comments(moderator, url):
    client = logged_in(moderator)
    bulk_pending_comments(PostFactory(), 10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200

    bulk_pending_comments(PostFactory(), 990)
    with CaptureQueriesContext(connection) as thousand:
        response = client.get(url)

    assert len(response.context["cl"].result_list) == 50  # a full page
    assert len(thousand) == len(ten)
    print(f"\nQueue page ({url}): {len(ten)} queries with 10 pending, {len(thousand)} with 1,000")


def test_queue_takes_the_same_queries_for_rows_on_many_posts_by_many_moderators(moderator):
    client = logged_in(moderator)
    CommentFactory(approved=True, moderated_by=moderator)
    CommentFactory()
    with CaptureQueriesContext(connection) as one:
        assert client.get(PENDING_QUEUE).status_code == 200

    for n in range(5):
        other = UserFactory(username=f"mod-{n}", is_staff=True, groups=["Moderators"])
        CommentFactory(approved=True, moderated_by=other)
    CommentFactory.create_batch(30)  # each on a post of its own
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(PENDING_QUEUE)

    assert len(response.context["cl"].result_list) == 31
    assert len(thirty) == len(one)
    assert "mod-4" in response.content.decode()  # the moderator filter lists them all


def test_queue_rows_link_to_their_post_and_their_page_keeping_the_queues_filters(moderator):
    comment = CommentFactory()

    html = logged_in(moderator).get(PENDING_QUEUE).content.decode()

    assert f'on <a href="{comment.post.get_absolute_url()}">' in html
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    assert f'<a href="{change}?_changelist_filters=status__exact%3Dpending">' in html
    assert (
        f'<input type="checkbox" name="_selected_action" value="{comment.pk}" '
        'class="action-select" aria-label="Select this object for an action - '
    ) in html


# Row actions


def test_queue_rows_carry_approve_reject_spam_buttons_inside_the_changelist_form(moderator):
    comment = CommentFactory()

    html = logged_in(moderator).get(PENDING_QUEUE).content.decode()

    form = html[
        html.index('<form id="changelist-form"') : html.index(
            "</form>", html.index('<form id="changelist-form"')
        )
    ]
    for action in ("approve", "reject", "spam"):
        assert f'formaction="{action_url(comment, action)}?from=queue&amp;next=' in form


def test_row_button_without_javascript_moderates_and_returns_to_the_same_queue(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    # What the browser sends: the whole changelist form, to the button's formaction.
    form = {"action": "", "index": 0, "_selected_action": []}

    response = client.post(
        action_url(comment, "spam")
        + "?"
        + "from=queue&next=/admin/comments/comment/%3Fstatus__exact%3Dpending",
        form,
    )

    assert response.status_code == 302
    assert response["Location"] == PENDING_QUEUE
    assert status_of(comment) == Comment.Status.SPAM


def test_row_button_refuses_to_send_the_moderator_to_another_site(moderator):
    comment = CommentFactory()

    response = logged_in(moderator).post(
        action_url(comment, "approve") + "?next=https://evil.example/"
    )

    assert response["Location"] == reverse("admin:comments_comment_change", args=[comment.pk])


def test_row_button_with_javascript_answers_with_the_new_state_and_an_undo_token(moderator):
    comment = CommentFactory(author_name="Ann")

    data = logged_in(moderator).post(action_url(comment, "approve") + "?from=queue", **JSON).json()

    assert data["status"] == "approved"
    assert data["label"] == "Approved"
    assert data["message"] == "Approved the comment by Ann."
    assert data["undo_url"] == UNDO
    assert moderation.read_undo_token(data["undo"], moderator_id=moderator.pk) == (
        "approved",
        {comment.pk: "pending"},
    )


def test_editor_sees_no_row_actions_and_forged_posts_are_refused(editor):
    comment = CommentFactory()
    client = logged_in(editor)

    html = client.get(QUEUE).content.decode()
    assert 'class="desk-actions"' not in html
    assert action_url(comment, "approve") not in html

    assert client.post(action_url(comment, "approve") + "?from=queue", **JSON).status_code == 403
    assert client.post(UNDO, {"token": "x"}).status_code == 403
    assert status_of(comment) == Comment.Status.PENDING


def test_change_page_offers_each_decision_and_and_next(moderator):
    comment = CommentFactory()

    html = (
        logged_in(moderator)
        .get(reverse("admin:comments_comment_change", args=[comment.pk]))
        .content.decode()
    )

    assert '<div class="desk-decide"' in html
    for label in ("Approve", "Reject", "Mark as spam"):
        assert f">{label} and next</button>" in html


def test_and_next_goes_to_the_next_pending_comment_in_queue_order(moderator):
    now = timezone.now()
    newest = CommentFactory(created=now)
    older = CommentFactory(created=now - timedelta(hours=1))
    CommentFactory(created=now - timedelta(hours=2), approved=True)

    response = logged_in(moderator).post(action_url(newest, "approve"), {"_next": "1"})

    assert response["Location"] == reverse("admin:comments_comment_change", args=[older.pk])


def test_and_next_on_the_last_pending_comment_goes_back_to_the_queue(moderator):
    only = CommentFactory()

    response = logged_in(moderator).post(action_url(only, "reject"), {"_next": "1"})

    assert response["Location"] == QUEUE


# Undo


def test_undo_from_the_confirmation_restores_the_previous_status(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    client.post(action_url(comment, "spam"))
    token = undo_token_in(client, reverse("admin:comments_comment_change", args=[comment.pk]))

    response = client.post(UNDO, {"token": token, "next": QUEUE})

    assert response["Location"] == QUEUE
    assert status_of(comment) == Comment.Status.PENDING


def test_bulk_actions_offer_undo_too(moderator):
    comments = CommentFactory.create_batch(3)
    approved = CommentFactory(approved=True)
    client = logged_in(moderator)
    client.post(
        QUEUE,
        {
            "action": "mark_selected_spam",
            "index": 0,
            "_selected_action": [c.pk for c in [*comments, approved]],
        },
    )
    token = undo_token_in(client, QUEUE)

    client.post(UNDO, {"token": token})

    assert [status_of(c) for c in comments] == ["pending"] * 3
    assert status_of(approved) == "approved"


def test_undo_is_only_for_the_moderator_who_acted(moderator):
    other = UserFactory(username="other-mod", is_staff=True, groups=["Moderators"])
    comment = CommentFactory()
    data = logged_in(moderator).post(action_url(comment, "approve"), **JSON).json()

    response = logged_in(other).post(UNDO, {"token": data["undo"]}, **JSON)

    assert response.status_code == 400
    assert status_of(comment) == Comment.Status.APPROVED


def test_undo_expires_after_ten_minutes(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        data = client.post(action_url(comment, "approve"), **JSON).json()
        clock.shift(timedelta(minutes=10, seconds=1))
        response = client.post(UNDO, {"token": data["undo"]}, **JSON)

    assert response.status_code == 400
    assert status_of(comment) == Comment.Status.APPROVED


def test_undo_leaves_alone_a_comment_moderated_again_since(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    first = client.post(action_url(comment, "approve"), **JSON).json()
    client.post(action_url(comment, "reject"), **JSON)

    data = client.post(UNDO, {"token": first["undo"]}, **JSON).json()

    assert data["restored"] == {}
    assert status_of(comment) == Comment.Status.REJECTED


def test_undo_back_to_pending_leaves_no_moderator_on_the_comment_or_its_page(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    data = client.post(action_url(comment, "reject"), **JSON).json()

    client.post(UNDO, {"token": data["undo"]}, **JSON)

    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by, comment.moderated_at) == ("pending", None, None)
    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content
    assert b"Moderated by" not in page
    assert b"Moderated at" not in page


def test_a_decided_comments_page_says_who_moderated_it(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    client.post(action_url(comment, "approve"))

    page = client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content

    assert b"Moderated by" in page


def test_row_and_undo_answers_carry_the_new_counts_for_the_page(moderator):
    post = PostFactory(title="Magnesium")
    ann, _ = CommentFactory.create_batch(2, post=post)
    client = logged_in(moderator)

    data = client.post(action_url(ann, "spam") + "?from=queue", **JSON).json()

    assert data["counts"] == {"pending": "1", "posts": {str(post.pk): "Magnesium (1 pending)"}}
    undone = client.post(UNDO, {"token": data["undo"]}, **JSON).json()
    assert undone["counts"] == {"pending": "2", "posts": {str(post.pk): "Magnesium (2 pending)"}}


def test_a_name_ending_in_a_full_stop_gets_no_second_one(moderator):
    comment = CommentFactory(author_name="Lena K.")
    client = logged_in(moderator)

    data = client.post(action_url(comment, "reject") + "?from=queue", **JSON).json()

    assert data["message"] == "Rejected the comment by Lena K."
    spam = client.post(action_url(comment, "spam") + "?from=queue", **JSON).json()
    assert spam["message"] == "Marked the comment by Lena K. as spam."


@pytest.mark.parametrize(
    "query, title",
    [
        ("?status__exact=pending", "Comments awaiting moderation"),
        ("?status__exact=approved", "Approved comments"),
        ("?status__exact=rejected", "Rejected comments"),
        ("?status__exact=spam", "Comments marked as spam"),
        ("", "All comments"),
    ],
)
def test_the_queue_is_titled_by_the_status_it_lists(moderator, query, title):
    CommentFactory()

    html = logged_in(moderator).get(QUEUE + query).content.decode()

    assert f"<title>{title} | " in html
    assert f"<h1>{title}</h1>" in html
    assert '<p class="desk-count"><span data-desk-pending>1</span> pending</p>' in html


# The record


@pytest.mark.parametrize(
    "send, via",
    [
        (lambda c, comment: c.post(action_url(comment, "approve") + "?from=queue"), "queue"),
        (lambda c, comment: c.post(action_url(comment, "approve")), "page"),
        (
            lambda c, comment: c.post(
                QUEUE, {"action": "approve_selected", "index": 0, "_selected_action": [comment.pk]}
            ),
            "bulk",
        ),
    ],
)
def test_every_decision_is_written_to_the_comments_history(moderator, send, via):
    comment = CommentFactory()
    client = logged_in(moderator)

    send(client, comment)

    entry = LogEntry.objects.get(object_id=str(comment.pk))
    assert entry.user == moderator
    assert entry.is_change()
    assert entry.change_message == f"Status: Pending → Approved (via {via})."
    history = client.get(
        reverse("admin:comments_comment_history", args=[comment.pk])
    ).content.decode()
    assert f"Status: Pending → Approved (via {via})." in history


def test_undo_is_written_to_the_history_too(moderator):
    comment = CommentFactory()
    client = logged_in(moderator)
    data = client.post(action_url(comment, "spam"), **JSON).json()

    client.post(UNDO, {"token": data["undo"]}, **JSON)

    messages = list(
        LogEntry.objects.filter(object_id=str(comment.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert messages == ["Status: Pending → Spam (via page).", "Status: Spam → Pending (via undo)."]


def test_queue_can_be_filtered_by_moderator(moderator):
    other = UserFactory(username="other-mod", is_staff=True, groups=["Moderators"])
    mine, theirs = CommentFactory(), CommentFactory()
    logged_in(moderator).post(action_url(mine, "approve"))
    logged_in(other).post(action_url(theirs, "approve"))

    response = logged_in(moderator).get(QUEUE, {"moderator": moderator.pk})

    assert list(response.context["cl"].result_list) == [mine]
    assert "other-mod" in response.content.decode()  # offered as a choice


# Reply from the desk


def test_reply_page_quotes_the_comment_and_offers_approve_and_reply(moderator):
    comment = CommentFactory(author_name="Ann", body="Is it safe?")

    html = logged_in(moderator).get(action_url(comment, "reply")).content.decode()

    assert "Ann wrote:" in html and "Is it safe?" in html
    assert ">Approve and reply</button>" in html
    assert ">Reply</button>" in html


def test_approve_and_reply_publishes_both_signed_by_the_moderator(moderator, client):
    moderator.first_name, moderator.last_name = "Mo", "Derator"
    moderator.save()
    comment = CommentFactory(author_name="Ann", body="Is it safe?")

    response = logged_in(moderator).post(
        action_url(comment, "reply"), {"body": "Yes, at 400mg.", "_approve": "1", "next": QUEUE}
    )

    assert response["Location"] == QUEUE
    assert status_of(comment) == Comment.Status.APPROVED
    reply = Comment.objects.get(parent=comment)
    assert (reply.status, reply.user, reply.by_staff) == ("approved", moderator, True)
    assert reply.author_name == "Mo Derator"
    page = client.get(comment.post.get_absolute_url()).content.decode()
    assert "Yes, at 400mg." in page
    assert 'Mo Derator</bdi> <span class="comment-staff">Staff</span>' in page


def test_reply_alone_leaves_the_comments_status_as_it_was(moderator):
    comment = CommentFactory(approved=True)

    logged_in(moderator).post(action_url(comment, "reply"), {"body": "Thanks!", "_reply": "1"})

    assert status_of(comment) == Comment.Status.APPROVED
    assert Comment.objects.get(parent=comment).body == "Thanks!"


def test_reply_to_a_comment_at_the_deepest_level_goes_beside_it(moderator):
    top = CommentFactory(approved=True)
    middle = CommentFactory(parent=top, approved=True)
    deepest = CommentFactory(parent=middle, approved=True)

    logged_in(moderator).post(action_url(deepest, "reply"), {"body": "Noted."})

    reply = Comment.objects.get(body="Noted.")
    assert reply.parent == middle


def test_empty_reply_is_a_form_error(moderator):
    comment = CommentFactory()

    response = logged_in(moderator).post(action_url(comment, "reply"), {"body": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.filter(parent=comment).exists()


def test_editor_may_not_reply_from_the_desk(editor):
    comment = CommentFactory()
    client = logged_in(editor)

    assert client.get(action_url(comment, "reply")).status_code == 403
    assert client.post(action_url(comment, "reply"), {"body": "Hi"}).status_code == 403
    assert not Comment.objects.filter(parent=comment).exists()


# Counts where staff look


def test_moderators_see_the_pending_count_next_to_comments_on_the_index_and_sidebar(moderator):
    CommentFactory.create_batch(3)
    CommentFactory(approved=True)
    client = logged_in(moderator)

    for url in ("/admin/", QUEUE):  # the index, and a page with the sidebar
        html = client.get(url).content.decode()
        badge = f'<a class="pending-badge" href="{QUEUE}?status__exact=pending" title="3 awaiting'
        assert badge + ' review">3' in html, url


def test_the_pending_count_stops_counting_past_its_limit(moderator, monkeypatch):
    monkeypatch.setattr(models, "PENDING_COUNT_LIMIT", 2)
    CommentFactory.create_batch(3)
    client = logged_in(moderator)

    html = client.get("/admin/").content.decode()

    assert 'title="2+ awaiting review">2+' in html
    assert "2+ comments awaiting moderation" in html
    delete = reverse("admin:comments_comment_delete", args=[Comment.objects.pending().first().pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert 'title="2 awaiting review">2' in client.get("/admin/").content.decode()


def test_with_nothing_pending_the_badge_is_hidden_for_the_queue_to_show_again(moderator):
    html = logged_in(moderator).get(QUEUE).content.decode()

    assert 'title="0 awaiting review" hidden>0<' in html


def test_editors_see_no_pending_count(editor):
    CommentFactory.create_batch(3)

    html = logged_in(editor).get("/admin/").content.decode()

    assert "pending-badge" not in html
    assert "Awaiting review" not in html


def test_awaiting_review_panel_lists_posts_by_their_longest_waiting_comment(moderator):
    now = timezone.now()
    fresh = PostFactory(title="Fresh post")
    stale = PostFactory(title="Stale post")
    CommentFactory.create_batch(2, post=fresh, created=now - timedelta(hours=1))
    CommentFactory(post=stale, created=now - timedelta(days=2))
    CommentFactory(post=PostFactory(title="Quiet post"), approved=True)

    html = logged_in(moderator).get("/admin/").content.decode()

    panel = html[html.index("Awaiting review") :]
    assert panel.index("Stale post") < panel.index("Fresh post")
    assert "Quiet post" not in panel
    assert f"?post={fresh.pk}&amp;status__exact=pending" in panel
    assert "2 pending, oldest 1\xa0hour ago" in panel


def test_admin_index_takes_the_same_queries_with_1_and_30_posts_awaiting_review(moderator):
    client = logged_in(moderator)
    CommentFactory()
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/")
    CommentFactory.create_batch(29)
    with CaptureQueriesContext(connection) as thirty:
        client.get("/admin/")

    assert len(thirty) == len(one)


# Rules


def test_a_hold_word_holds_a_comment_for_review_not_spam(client, settings):
    from comments.models import ModerationSettings
    from comments.spam import check_comment

    rules = ModerationSettings.load()
    rules.hold_words = "dosage\n"
    rules.blocked_words = "casino"
    comment = CommentFactory.build(body="What DOSAGE do you take?")

    verdict = check_comment(comment=comment, rules=rules, honeypot="")

    assert verdict.status == Comment.Status.PENDING
    assert verdict.reasons == ["held word: dosage"]


def test_rules_page_previews_which_pending_comments_the_saved_rules_catch(moderator):
    from comments.models import ModerationSettings

    rules = ModerationSettings.load()
    rules.hold_words = "dosage"
    rules.blocked_words = "casino"
    rules.save()
    CommentFactory(author_name="Held", body="Which dosage?")
    CommentFactory(author_name="Blocked", body="Best casino here")
    CommentFactory(author_name="Fine", body="Thanks for this.")
    CommentFactory(author_name="Approved", body="dosage", approved=True)

    url = reverse("admin:comments_moderationsettings_change", args=[rules.pk])
    html = logged_in(moderator).get(url).content.decode()

    preview = html[html.index("Preview: pending comments these rules catch") :]
    assert "Held on" in preview and "(held word: dosage)" in preview
    assert "Blocked on" in preview and "(blocked word: casino)" in preview
    assert "Fine on" not in preview
    assert "Approved on" not in preview


def test_an_email_link_decision_is_written_to_the_history_too(moderator, client):
    from comments.notifications import make_link_token

    comment = CommentFactory()
    token = make_link_token(comment=comment, action="spam", moderator=moderator)

    client.post(reverse("comments:moderate_link", args=[token]))

    entry = LogEntry.objects.get(object_id=str(comment.pk))
    assert entry.user == moderator
    assert entry.change_message == "Status: Pending → Spam (via e-mail link)."
