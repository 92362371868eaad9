"""Spam rules see through look-alike spellings; confirmation mail is limited per address."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.models import Comment, ModerationSettings
from comments.spam import fold
from tests.clock import tomorrow_at
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("spam_filter_off")]

ZWSP, ZWJ, SOFT_HYPHEN = "\u200b", "\u200d", "\u00ad"
VARIATION_SELECTOR, GRAPHEME_JOINER, HANGUL_FILLER = "\ufe0f", "\u034f", "\u3164"


def submit(client, post, **data):
    meta = data.pop("meta", {})
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    return client.post(url, CommentFormDataFactory(post=post, **data), **meta)


@pytest.mark.parametrize(
    "spelling",
    [
        "casino",
        f"ca{ZWSP}sino",
        f"cas{SOFT_HYPHEN}ino",
        f"c{ZWJ}asino",
        "саsіnо",  # Cyrillic а, і, о
        "ＣＡＳＩＮＯ",  # fullwidth
        "ϲasino".replace("ϲ", "с"),  # Cyrillic с
        "ΚΑSΙΝΟ".replace("Κ", "C"),  # Greek capitals Α, Ι, Ν, Ο
    ],
)
def test_every_spelling_of_a_blocked_word_folds_to_it(spelling):
    assert fold(spelling) == "casino"


@pytest.mark.parametrize(
    "spelling",
    [
        f"cas{VARIATION_SELECTOR}ino",
        f"cas{GRAPHEME_JOINER}ino",
        f"cas{HANGUL_FILLER}ino",
        "casi\u0301no",  # i and a combining acute accent
        "ᴄasino",  # small capital c
        "casıno",  # dotless i
        "casinօ",  # Armenian o
        "CΑSΙΝΟ",  # Greek capitals: Ν read as N, not as its small letter ν (drawn as v)
    ],
)
def test_invisible_characters_accents_and_look_alikes_of_any_script_fold_away(spelling):
    assert fold(spelling) == "casino"


def test_other_scripts_are_compared_not_rewritten_into_latin_words():
    assert fold("Привет") != fold("Hello")
    assert fold("naïve café") == fold("naive cafe")


@pytest.fixture
def trusted_client(client):
    """A signed-in commenter with an approved comment, under "trust commenters" with the hold
    word "viagra" and the blocked word "casino"."""
    ModerationSettings.objects.update_or_create(
        pk=1,
        defaults={
            "auto_approve_trusted": True,
            "hold_words": "viagra",
            "blocked_words": "casino",
        },
    )
    user = UserFactory()
    CommentFactory(approved=True, user=user)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "spelling",
    [
        "viagra",
        f"via{ZWSP}gra",
        "viаgra",  # Cyrillic а
        "ｖｉａｇｒａ",  # fullwidth
        f"via{SOFT_HYPHEN}gra",
        f"VIA{VARIATION_SELECTOR}GRA",
    ],
)
def test_a_hold_word_in_any_spelling_holds_a_trusted_commenters_comment(trusted_client, spelling):
    submit(trusted_client, PostFactory(), body=f"Cheap {spelling} here")
    comment = Comment.objects.get(body=f"Cheap {spelling} here")
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reasons == ["held word: viagra"]


@pytest.mark.parametrize(
    "spelling",
    [
        f"cas{VARIATION_SELECTOR}ino",
        f"cas{GRAPHEME_JOINER}ino",
        f"cas{HANGUL_FILLER}ino",
        "casi\u0301no",
        "ᴄasino",
        "casıno",
        "casinօ",
    ],
)
def test_a_blocked_word_in_any_spelling_marks_even_a_trusted_comment_spam(trusted_client, spelling):
    submit(trusted_client, PostFactory(), body=f"Best {spelling} here")
    comment = Comment.objects.get(body=f"Best {spelling} here")
    assert comment.status == Comment.Status.SPAM
    assert comment.moderation_reasons == ["blocked word: casino"]


@pytest.mark.parametrize(
    "body",
    [
        "Спасибо за статью, очень интересно читать про вашу поездку в горы.",
        "Ευχαριστώ πολύ για το άρθρο, ήταν πολύ ενδιαφέρον.",
    ],
)
def test_an_ordinary_comment_in_another_script_with_no_listed_word_is_published(
    trusted_client, body
):
    """Look-alike letters are read as Latin only to compare with the moderators' lists."""
    rules = ModerationSettings.load()
    rules.hold_words = "viagra\ncasino\npoker\nloan\ncrypto"
    rules.blocked_words = "cialis\nporn"
    rules.save()
    submit(trusted_client, PostFactory(), body=body)
    comment = Comment.objects.get(body=body)
    assert comment.status == Comment.Status.APPROVED
    assert comment.moderation_reasons == ["auto-approved: signed in"]


@pytest.mark.parametrize(
    "body", [f"Best CA{ZWSP}SINO here", "Best саsіnо here", "Best ＣＡＳＩＮＯ here"]
)
def test_a_blocked_word_spelt_with_look_alikes_marks_the_comment_spam(client, body):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"blocked_words": "casino"})
    submit(client, PostFactory(), body=body)
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.moderation_reasons == ["blocked word: casino"]
    assert comment.body == body  # stored as sent, for the moderator to see


def test_a_blocked_email_spelt_with_a_zero_width_space_or_fullwidth_is_still_blocked(client):
    ModerationSettings.objects.update_or_create(
        pk=1, defaults={"blocked_emails": "spammer@example.com"}
    )
    post = PostFactory()
    submit(client, post, author_email="SPAMMER@example.com", body="one")
    assert Comment.objects.get(body="one").moderation_reasons == ["blocked email"]
    rules = ModerationSettings.load()
    rules.blocked_emails = f"spam{ZWSP}mer@example.com"  # pasted with an invisible character
    rules.save()
    submit(client, post, author_email="spammer@example.com", body="two")
    assert Comment.objects.get(body="two").moderation_reasons == ["blocked email"]


def test_the_same_text_with_a_zero_width_space_is_a_duplicate(client):
    post = PostFactory()
    first = submit(client, post, author_email="ann@example.com", body="Great post, thanks!")
    assert first.status_code == 302
    again = submit(client, post, author_email="ann@example.com", body=f"Great{ZWSP} post, thanks!")
    assert again.status_code == 400
    assert "You have already sent this comment." in again.content.decode()
    assert Comment.objects.count() == 1


def test_the_same_text_with_a_variation_selector_is_a_duplicate(client):
    post = PostFactory()
    submit(client, post, author_email="ann@example.com", body="Great post, thanks! ❤")
    again = submit(
        client,
        post,
        author_email="ann@example.com",
        body=f"Great post, thanks! ❤{VARIATION_SELECTOR}",
    )
    assert again.status_code == 400
    assert "You have already sent this comment." in again.content.decode()
    assert Comment.objects.count() == 1


def test_the_same_long_text_with_a_variation_selector_from_another_address_is_held(client):
    text = "Cheap watches and bags, the best prices online, visit us now!"
    submit(Client(), PostFactory(), author_email="a@example.com", body=text)
    submit(
        Client(),
        PostFactory(),
        author_email="b@example.com",
        body=text.replace("e", f"e{VARIATION_SELECTOR}"),
    )
    second = Comment.objects.get(author_email="b@example.com")
    assert "same text as another recent comment" in second.moderation_reasons


def test_the_same_text_from_the_same_address_on_another_post_is_a_duplicate(client):
    submit(client, PostFactory(), author_email="ann@example.com", body="Visit my site today")
    again = submit(
        client, PostFactory(), author_email="ANN@example.com", body="Visit my  site today"
    )
    assert again.status_code == 400
    assert Comment.objects.count() == 1


def test_the_same_long_text_from_other_addresses_on_other_posts_is_held_with_a_reason(client):
    text = "Cheap watches and bags, the best prices online, visit us now!"
    submit(Client(), PostFactory(), author_email="a@example.com", body=text)
    submit(
        Client(),
        PostFactory(),
        author_email="b@example.com",
        body=f"Cheap{ZWSP} watches" + text.removeprefix("Cheap watches"),
    )
    second = Comment.objects.get(author_email="b@example.com")
    assert second.status == Comment.Status.PENDING
    assert "same text as another recent comment" in second.moderation_reasons


def test_a_short_common_reply_from_two_readers_is_not_flagged(client):
    submit(Client(), PostFactory(), author_email="a@example.com", body="Thanks!")
    submit(Client(), PostFactory(), author_email="b@example.com", body="Thanks!")
    assert Comment.objects.get(author_email="b@example.com").moderation_reasons == []


# Confirmation mail: at most CONFIRMATION_MAILS_PER_DAY to one address, whoever asks


def test_confirmation_mail_to_one_address_stops_after_three_a_day_from_any_number_of_ips(
    settings, django_capture_on_commit_callbacks
):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"auto_approve_trusted": True})
    post = PostFactory()
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            response = submit(
                Client(REMOTE_ADDR=f"192.0.2.{n}"),
                post,
                author_email="Victim@Example.com",
                body=f"Comment {n}",
            )
        assert response.status_code == 302
    assert Comment.objects.count() == 6  # the comments are all taken, pending
    assert len([m for m in mail.outbox if m.to == ["Victim@Example.com"]]) == 3


def test_the_confirmation_limit_is_per_address(settings, django_capture_on_commit_callbacks):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"auto_approve_trusted": True})
    post = PostFactory()
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            submit(Client(), post, author_email="victim@example.com", body=f"Comment {n}")
    with django_capture_on_commit_callbacks(execute=True):
        submit(Client(), post, author_email="someone-else@example.com", body="Hello")
    assert [m.to for m in mail.outbox].count(["someone-else@example.com"]) == 1


# The signed form time is short-lived


def test_a_form_stamp_works_for_two_hours_and_then_asks_to_send_again_keeping_the_text(client):
    import time_machine

    from comments.forms import sign_form_time

    with time_machine.travel(tomorrow_at(12), tick=False) as clock:
        post = PostFactory()
        # Two forms shown at the same moment: each stamp is good for one comment.
        stamp, other = sign_form_time(post.pk), sign_form_time(post.pk)
        clock.shift(2 * 60 * 60 - 5)
        assert submit(client, post, stamp=stamp, body="Within two hours").status_code == 302
        clock.shift(10)
        late = submit(client, post, stamp=other, body="After two hours")
    assert late.status_code == 400
    html = late.content.decode()
    assert "This form has expired. Please check your comment and send it again." in html
    assert "After two hours" in html
    assert Comment.objects.count() == 1
