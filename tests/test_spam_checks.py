import re
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from comments import services
from comments.forms import read_form_time, sign_form_time
from comments.models import Comment, ModerationSettings, VerifiedEmail
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("spam_filter_off")]


@pytest.fixture
def rules():
    return ModerationSettings.load()


@pytest.fixture
def post():
    return PostFactory()


def submit(client, post, **data):
    """Post a comment as a browser would; REMOTE_ADDR and other META go in as meta=."""
    meta = data.pop("meta", {})
    return client.post(
        reverse("comments:submit", kwargs={"post_id": post.pk}),
        CommentFormDataFactory(post=post, **data),
        **meta,
    )


def stored(**filters):
    return Comment.objects.get(**filters)


# Honeypot and form timing


def test_honeypot_is_hidden_from_people_screen_readers_and_the_keyboard(client, post):
    html = client.get(post.get_absolute_url()).content.decode()
    hidden = r'<div\s+class="visually-hidden"\s+aria-hidden="true">(.*?)</div>\s*</div>'
    wrapper = re.search(hidden, html, re.S)
    assert wrapper, "honeypot wrapper missing"
    assert "Leave this field empty" in wrapper.group(1)
    field = re.search(r'<input[^>]*name="honeypot"[^>]*>', wrapper.group(1)).group(0)
    assert 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field


def test_filled_honeypot_marks_the_comment_spam_and_it_is_never_shown(client, post):
    response = submit(client, post, honeypot="http://cheap-pills.example", body="Buy now")
    assert response.status_code == 302  # a bot learns nothing
    comment = stored()
    assert comment.status == Comment.Status.SPAM
    assert comment.moderation_reasons == ["honeypot"]
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Buy now" not in html


def form_shown() -> datetime:
    """When the form is shown in these tests: now, by the real clock, to the second."""
    return timezone.now().replace(microsecond=0)


def shown_then_sent(client, post, *, after: float, **data):
    """Load the post page, then send its form `after` seconds later (the clock frozen)."""
    with time_machine.travel(form_shown(), tick=False) as clock:
        html = client.get(post.get_absolute_url()).content.decode()
        stamp = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
        clock.shift(after)
        return submit(client, post, stamp=stamp, **data)


def test_comment_sent_faster_than_the_minimum_time_is_a_form_error_and_nothing_is_stored(
    client, post, settings
):
    settings.COMMENT_MIN_SECONDS = 3
    response = shown_then_sent(client, post, after=1, body="Typed very fast")

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("Please check your comment and send it again.") == 1  # said once
    assert "Typed very fast</textarea>" in html
    assert Comment.objects.count() == 0


def test_sending_the_too_fast_form_again_a_moment_later_is_accepted(client, post, settings):
    settings.COMMENT_MIN_SECONDS = 3
    with time_machine.travel(form_shown(), tick=False) as clock:
        first = submit(client, post, stamp=sign_form_time(post.pk), body="Second try")
        resent = re.search(r'name="stamp" value="([^"]+)"', first.content.decode()).group(1)
        clock.shift(3)
        response = submit(client, post, stamp=resent, body="Second try")

    assert (first.status_code, response.status_code) == (400, 302)
    assert (stored().status, stored().moderation_reasons) == (Comment.Status.PENDING, [])


def test_minimum_time_defaults_to_three_seconds(client, post):
    assert shown_then_sent(client, post, after=2.9, body="Quick").status_code == 400
    assert shown_then_sent(client, post, after=3, body="Considered").status_code == 302
    assert [c.body for c in Comment.objects.all()] == ["Considered"]


def test_page_form_carries_a_signed_timestamp_a_zero_minimum_accepts_at_once(
    client, post, settings
):
    settings.COMMENT_MIN_SECONDS = 0
    html = client.get(post.get_absolute_url()).content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
    submit(client, post, stamp=stamp)
    assert stored().status == Comment.Status.PENDING


@pytest.mark.parametrize(
    "stamp",
    [
        "",
        "not-a-signed-value",
        signing.dumps(time.time() - 60, salt="some.other.salt"),
        signing.dumps(time.time() - 60, salt="comments.form-timestamp"),
        sign_form_time(1, time.time() - 60)[:-2] + "xx",
    ],
    ids=["missing", "garbage", "wrong-salt", "no-post", "tampered"],
)
def test_missing_or_tampered_timestamp_is_a_form_error_and_the_form_gets_a_fresh_one(
    client, post, stamp
):
    response = submit(client, post, stamp=stamp, body="Words I typed")
    html = response.content.decode()
    assert response.status_code == 400
    assert "This form has expired. Please check your comment and send it again." in html
    assert "Words I typed" in html
    fresh = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
    assert fresh != stamp
    signing.loads(fresh, salt="comments.form-timestamp")  # valid, so sending again works
    assert Comment.objects.count() == 0


def test_form_left_open_for_days_must_be_sent_again(client, post):
    response = shown_then_sent(client, post, after=3 * 24 * 3600)
    assert response.status_code == 400
    assert Comment.objects.count() == 0


# The stamp is the post's: shared by every reader of its page, refused on another post


def stamp_in(response) -> str:
    return re.search(r'name="stamp" value="([^"]+)"', response.content.decode()).group(1)


def test_a_stamp_harvested_on_one_post_is_refused_on_another_keeping_the_text(client, settings):
    settings.COMMENT_MIN_SECONDS = 0
    harvested, target = PostFactory(), PostFactory()
    stamp = stamp_in(client.get(harvested.get_absolute_url()))

    response = submit(client, target, stamp=stamp, body="Words for the second post")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This form was for another post. Please check your comment and send it again" in html
    assert "Words for the second post</textarea>" in html
    assert Comment.objects.count() == 0
    # The form shown again carries a stamp for this post: the reader sends it as it is.
    fresh = stamp_in(response)
    assert read_form_time(fresh).post_id == target.pk
    assert submit(client, target, stamp=fresh, body="Words for the second post").status_code == 302
    assert stored().post == target


def test_every_reader_of_the_cached_page_sends_the_same_stamp_and_each_comment_is_held(
    post, settings
):
    settings.COMMENT_MIN_SECONDS = 0
    readers = [Client(), Client()]
    pages = [reader.get(post.get_absolute_url()) for reader in readers]
    assert pages[1]["X-Page-Cache"] == "hit"
    assert stamp_in(pages[0]) == stamp_in(pages[1])
    bodies = ["From the first reader", "From the second reader"]
    for reader, body in zip(readers, bodies, strict=True):
        assert submit(reader, post, stamp=stamp_in(pages[0]), body=body).status_code == 302
    assert {c.body: c.status for c in Comment.objects.all()} == {
        "From the first reader": Comment.Status.PENDING,
        "From the second reader": Comment.Status.PENDING,
    }


def test_a_stamp_sent_with_a_form_error_comes_back_fresh_for_this_post(client, post, settings):
    settings.COMMENT_MIN_SECONDS = 0
    stamp = stamp_in(client.get(post.get_absolute_url()))
    refused = submit(client, post, stamp=stamp, author_name="", body="Kept for the retry")
    assert refused.status_code == 400
    assert "Kept for the retry</textarea>" in refused.content.decode()

    resent = stamp_in(refused)
    assert read_form_time(resent).post_id == post.pk
    assert submit(client, post, stamp=resent, body="Kept for the retry").status_code == 302
    assert [comment.body for comment in Comment.objects.all()] == ["Kept for the retry"]


# Rate limit


@pytest.fixture
def one_rate_window():
    """Keep every request in one rate-limit window (the clock stopped), so a test never
    straddles two."""
    with time_machine.travel(form_shown(), tick=False):
        yield


def test_sixth_comment_in_a_minute_from_one_ip_answers_429_keeping_the_text(
    client, post, one_rate_window
):
    for n in range(5):
        assert submit(client, post, body=f"Comment {n}").status_code == 302
    response = submit(client, post, body="My sixth thought")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a moment" in html
    assert "My sixth thought</textarea>" in html
    assert "comments/rate_limited.html" in [t.name for t in response.templates]
    assert Comment.objects.count() == 5


def test_rate_limit_counts_each_ip_address_separately(client, post, one_rate_window):
    for n in range(5):
        submit(client, post, body=f"Comment {n}", meta={"REMOTE_ADDR": "203.0.113.1"})
    other = submit(client, post, body="From elsewhere", meta={"REMOTE_ADDR": "203.0.113.2"})
    assert other.status_code == 302


def test_rate_limit_ignores_a_forged_x_forwarded_for(client, post, one_rate_window):
    for n in range(5):
        submit(client, post, body=f"Comment {n}", meta={"HTTP_X_FORWARDED_FOR": f"10.0.0.{n}"})
    forged = submit(client, post, body="Again", meta={"HTTP_X_FORWARDED_FOR": "10.0.0.99"})
    assert forged.status_code == 429


def test_rate_limit_comes_from_the_comment_rate_limit_setting(
    client, post, settings, one_rate_window
):
    settings.COMMENT_RATE_LIMIT = "2/m"
    assert submit(client, post, body="One").status_code == 302
    assert submit(client, post, body="Two").status_code == 302
    assert submit(client, post, body="Three").status_code == 429


# Duplicates


def test_same_comment_from_the_same_email_on_the_same_post_within_an_hour_is_refused(client, post):
    submit(client, post, author_email="ada@example.com", body="Great post!")
    again = submit(client, post, author_email="ADA@example.com", body="Great post!")
    assert again.status_code == 400
    assert "You have already sent this comment." in again.content.decode()
    assert again.context["comments"].form.has_error("__all__", code="duplicate")
    assert Comment.objects.count() == 1


def test_same_comment_is_accepted_after_an_hour(client, post):
    CommentFactory(
        post=post,
        author_email="ada@example.com",
        body="Great post!",
        created=timezone.now() - timedelta(minutes=61),
    )
    again = submit(client, post, author_email="ada@example.com", body="Great post!")
    assert again.status_code == 302


def test_same_comment_from_another_email_is_accepted_but_on_another_post_it_is_a_duplicate(
    client, post
):
    CommentFactory(post=post, author_email="ada@example.com", body="Great post!")
    someone_else = submit(client, post, author_email="bob@example.com", body="Great post!")
    elsewhere = submit(client, PostFactory(), author_email="ada@example.com", body="Great post!")
    assert (someone_else.status_code, elsewhere.status_code) == (302, 400)


def test_a_prolific_address_sending_its_latest_comment_again_is_refused(client, post, settings):
    settings.COMMENT_REPEATED_TEXT_LOOKBACK = 3  # only the newest 3 are compared
    for minutes, body in enumerate(["Latest words", "Third", "Second", "First"], start=1):
        created = timezone.now() - timedelta(minutes=minutes)
        CommentFactory(post=post, author_email="ada@example.com", body=body, created=created)
    again = submit(client, post, author_email="ada@example.com", body="Latest words")
    assert again.status_code == 400
    assert Comment.objects.count() == 4


# Moderation settings: links and block lists


def test_comment_with_more_links_than_allowed_is_held_saying_how_many(client, post):
    body = "See https://a.example, https://b.example and https://c.example"
    submit(client, post, body=body)
    comment = stored()
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.PENDING, ["3 links"])


def test_comment_with_as_many_links_as_allowed_is_not_held_for_them(client, post):
    submit(client, post, body="See https://a.example and https://b.example")
    assert stored().moderation_reasons == []


def test_link_limit_comes_from_moderation_settings(client, post, rules):
    rules.max_links = 0
    rules.save()
    submit(client, post, body="See https://a.example")
    assert stored().moderation_reasons == ["1 link"]


@pytest.mark.parametrize(
    "data",
    [
        {"body": "Best CASINO bonuses here"},
        {"author_name": "Casino Royale"},
        {"author_url": "https://casino.example"},
    ],
    ids=["body", "name", "website"],
)
def test_blocked_word_anywhere_visible_marks_the_comment_spam(client, post, rules, data):
    rules.blocked_words = "viagra\n casino \n"
    rules.save()
    submit(client, post, **data)
    comment = stored()
    assert comment.status == Comment.Status.SPAM
    assert comment.moderation_reasons == ["blocked word: casino"]


def test_blocked_email_marks_the_comment_spam(client, post, rules):
    rules.blocked_emails = "spammer@example.com"
    rules.save()
    submit(client, post, author_email="Spammer@Example.com")
    comment = stored()
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.SPAM, ["blocked email"])


@pytest.mark.parametrize("entry", ["203.0.113.7", "203.0.113.0/24"])
def test_blocked_ip_or_network_marks_the_comment_spam(client, post, rules, entry):
    rules.blocked_ips = f"not an address\n{entry}"
    rules.save()
    submit(client, post, meta={"REMOTE_ADDR": "203.0.113.7"})
    comment = stored()
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.SPAM, ["blocked IP"])


def test_comment_from_an_unblocked_ip_is_pending(client, post, rules):
    rules.blocked_ips = "203.0.113.0/24"
    rules.save()
    submit(client, post, meta={"REMOTE_ADDR": "198.51.100.7"})
    assert stored().status == Comment.Status.PENDING


def test_every_reason_is_recorded(client, post, rules):
    rules.blocked_words = "casino"
    rules.blocked_emails = "spammer@example.com"
    rules.save()
    submit(client, post, honeypot="x", author_email="spammer@example.com", body="casino")
    assert stored().moderation_reasons == ["honeypot", "blocked word: casino", "blocked email"]


# Trusted commenters


@pytest.fixture
def auto_approve(rules):
    rules.auto_approve_trusted = True
    rules.save()
    return rules


def test_trusted_commenters_are_not_auto_approved_by_default(client, post):
    user = UserFactory()
    CommentFactory(approved=True, user=user)
    client.force_login(user)
    submit(client, post)
    assert stored(post=post).status == Comment.Status.PENDING


def test_typing_an_approved_commenters_email_is_not_enough_for_auto_approval(
    client, post, auto_approve
):
    CommentFactory(approved=True, author_email="ada@example.com")
    submit(client, post, author_email="ada@example.com")
    comment = stored(post=post)
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.PENDING, ["unverified"])


def test_logged_in_commenter_with_an_approved_comment_is_published_at_once_and_counted(
    client, post, auto_approve
):
    user = UserFactory()
    CommentFactory(post=post, approved=True, user=user)
    client.force_login(user)
    response = submit(client, post, body="Published straight away")
    comment = stored(body="Published straight away")
    assert comment.status == Comment.Status.APPROVED
    assert comment.user == user
    post.refresh_from_db()
    assert post.approved_comment_count == 2
    page = client.get(response["Location"]).content.decode()
    assert "Published straight away" in page
    assert "Thank you! Your comment is published." in page


def test_logged_in_commenter_without_an_approved_comment_stays_pending(client, post, auto_approve):
    client.force_login(UserFactory())
    submit(client, post)
    comment = stored()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reasons == ["no approved comment yet"]


def confirm_email_in(client, email: str) -> None:
    """Open, in this browser, the confirmation link mailed to `email`."""
    token = services.email_verification_token(email)
    response = client.get(reverse("comments:verify_email", kwargs={"token": token}))
    assert response.status_code == 200


def test_browser_that_opened_the_confirmation_link_is_auto_approved_and_says_why(
    client, post, auto_approve
):
    CommentFactory(approved=True, author_email="ada@example.com")
    confirm_email_in(client, "ada@example.com")

    submit(client, post, author_email="Ada@Example.com")

    comment = stored(post=post)
    assert comment.status == Comment.Status.APPROVED
    assert comment.moderation_reasons == ["auto-approved: email confirmed in this browser"]
    assert Post.objects.get(pk=post.pk).approved_comment_count == 1


@pytest.mark.parametrize(
    "typed", ["victim@example.com", "VICTIM@example.com", "Victim@Example.COM"]
)
def test_typing_a_verified_approved_address_from_another_browser_earns_no_trust(
    client, post, auto_approve, typed
):
    victims_browser = Client()
    CommentFactory(approved=True, author_email="victim@example.com")
    confirm_email_in(victims_browser, "victim@example.com")
    assert VerifiedEmail.objects.filter(email="victim@example.com").exists()

    submit(client, post, author_email=typed, meta={"REMOTE_ADDR": "203.0.113.9"})

    comment = stored(post=post)
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.PENDING, ["unverified"])


def test_signed_in_commenter_auto_approval_records_why(client, post, auto_approve):
    user = UserFactory()
    CommentFactory(approved=True, user=user)
    client.force_login(user)

    submit(client, post)

    assert stored(post=post).moderation_reasons == ["auto-approved: signed in"]


def test_deleting_the_verified_address_in_the_admin_revokes_the_browsers_trust(
    client, post, auto_approve
):
    CommentFactory(approved=True, author_email="ada@example.com")
    confirm_email_in(client, "ada@example.com")
    VerifiedEmail.objects.all().delete()

    submit(client, post, author_email="ada@example.com")

    assert stored(post=post).status == Comment.Status.PENDING


def test_spam_rules_win_over_trust(client, post, auto_approve):
    auto_approve.blocked_words = "casino"
    auto_approve.save()
    CommentFactory(approved=True, author_email="ada@example.com")
    confirm_email_in(client, "ada@example.com")
    submit(client, post, author_email="ada@example.com", body="casino night")
    assert stored(post=post).status == Comment.Status.SPAM


def test_too_many_links_hold_even_a_trusted_commenter(client, post, auto_approve):
    CommentFactory(approved=True, author_email="ada@example.com")
    confirm_email_in(client, "ada@example.com")
    submit(client, post, author_email="ada@example.com", body="ab.com cd.org ef.net")
    comment = stored(post=post)
    assert (comment.status, comment.moderation_reasons) == (Comment.Status.PENDING, ["3 links"])


# Confirming an email address


def confirmation_link(message) -> str:
    return re.search(r"https?://\S+/comments/verify/\S+/", message.body).group(0)


def test_unverified_commenter_is_emailed_a_confirmation_link_after_the_commit(
    client, post, auto_approve, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        submit(client, post, author_email="ada@example.com")
    assert [m for m in mail.outbox if m.to == ["ada@example.com"]] == []  # not before the commit
    for callback in callbacks:
        callback()
    confirmations = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert len(confirmations) == 1
    assert "/comments/verify/" in confirmation_link(confirmations[0])


def test_no_confirmation_email_while_auto_approval_is_off(
    client, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email="ada@example.com")
    assert [m for m in mail.outbox if m.to == ["ada@example.com"]] == []


def test_no_confirmation_email_for_spam(
    client, post, auto_approve, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email="ada@example.com", honeypot="gotcha")
    assert [m for m in mail.outbox if m.to == ["ada@example.com"]] == []


def test_confirmation_link_verifies_the_address(
    client, post, auto_approve, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, post, author_email="Ada@Example.com")
    link = confirmation_link(mail.outbox[-1])
    response = Client().get(link)
    assert response.status_code == 200
    assert "Email address confirmed" in response.content.decode()
    assert VerifiedEmail.objects.filter(email="ada@example.com").exists()
    assert Client().get(link).status_code == 200  # a second click is harmless
    assert VerifiedEmail.objects.count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("B" if token.endswith("A") else "A"),
        lambda token: signing.dumps("eve@example.com"),
    ],
    ids=["bad-signature", "other-salt"],
)
def test_tampered_confirmation_link_verifies_nothing(client, forge):
    forged = forge(services.email_verification_token("ada@example.com"))
    response = client.get(reverse("comments:verify_email", kwargs={"token": forged}))
    assert response.status_code == 400
    assert "Link not valid" in response.content.decode()
    assert not VerifiedEmail.objects.exists()


def test_confirmation_link_expires_after_seven_days(client):
    with time_machine.travel(form_shown(), tick=False) as clock:
        token = services.email_verification_token("ada@example.com")
        url = reverse("comments:verify_email", kwargs={"token": token})
        clock.shift(timedelta(days=7, seconds=-1))
        assert client.get(url).status_code == 200
        VerifiedEmail.objects.all().delete()
        clock.shift(timedelta(seconds=2))
        response = client.get(url)
    assert response.status_code == 400
    assert not VerifiedEmail.objects.exists()


def test_form_timestamp_cannot_be_used_as_a_confirmation_token(client):
    token = sign_form_time(1)
    response = client.get(reverse("comments:verify_email", kwargs={"token": token}))
    assert response.status_code == 400
    assert not VerifiedEmail.objects.exists()
