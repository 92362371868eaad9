import os
import re
import subprocess
import sys

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from comments import counts, notifications, spam, tasks
from comments.models import Comment, ModerationSettings, SpamFilter
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory

pytestmark = pytest.mark.django_db

NOVEL_SPAM = [
    f"Zorblax gummies {n}: the quintessential vorpal supplement, order zorblax today"
    for n in range(20)
]


def comments_saying(texts, **fields):
    return [
        CommentFactory(body=text, author_name="Reader", author_url="", **fields) for text in texts
    ]


def score_of(text: str, cache=spam.CACHE) -> float:
    return spam.spam_score(Comment(author_name="Sam", body=text), cache=cache)[0]


def test_the_shipped_examples_tell_ordinary_spam_from_an_ordinary_comment():
    assert score_of("Cheap casino bonus and free spins, visit http://win.example now") > 0.9
    assert score_of("Thanks, the part about migrations helped me fix my own blog.") < 0.5


def test_a_decision_teaches_the_filter_a_new_kind_of_spam_in_one_update():
    before = score_of("Order zorblax gummies today")
    version = SpamFilter.objects.get().version
    tasks.learn(comments=comments_saying(NOVEL_SPAM), status=Comment.Status.SPAM)
    assert score_of("Order zorblax gummies today") > before + 0.3
    stored = SpamFilter.objects.get()
    assert (stored.version, stored.decisions) == (version + 1, 20)


def test_a_pending_status_teaches_nothing():
    tasks.learn(comments=comments_saying(NOVEL_SPAM[:2]), status=Comment.Status.PENDING)
    assert SpamFilter.objects.get().version == 0


def test_the_reason_names_the_score_and_the_comments_own_words_that_weigh_most():
    score, words = spam.spam_score(Comment(author_name="Ann", body="CHEAP Casino bonus, visit now"))
    reason = spam.score_reason(score, words)
    assert reason.startswith(f"spam score {score:.2f} (words: '")
    assert "'cheap'" in reason
    assert 1 <= len(words) <= 3 and set(words) <= {"cheap", "casino", "bonus", "visit", "now"}
    assert spam.score_reason(0.125, []) == "spam score 0.12"


def test_the_stored_model_holds_no_comment_text_and_needs_no_unpickling():
    secret = "Quetzalcoatlus Wimbledonfield lives at 12 Pangolin Street"
    tasks.learn(comments=comments_saying([secret]), status=Comment.Status.APPROVED)
    weights = bytes(SpamFilter.objects.get().weights)
    for word in ["Quetzalcoatlus", "quetzalcoatlus", "Wimbledonfield", "pangolin", "Pangolin"]:
        assert word.encode() not in weights
        assert word.encode("utf-32-le") not in weights
    restored = spam.Classifier.from_bytes(weights)  # np.load(allow_pickle=False)
    assert restored.score(secret) == pytest.approx(spam.CACHE.current().score(secret))


def test_deleting_a_comment_leaves_the_model_as_it_is():
    comments = comments_saying(NOVEL_SPAM)
    tasks.learn(comments=comments, status=Comment.Status.SPAM)
    version = SpamFilter.objects.get().version
    Comment.objects.filter(pk__in=[c.pk for c in comments]).delete()
    counts.recount({comment.post_id for comment in comments})
    assert SpamFilter.objects.get().version == version
    assert score_of("Order zorblax gummies today") > 0.5


def test_a_server_that_did_not_learn_reloads_the_model_when_its_version_moved():
    server_a, server_b = spam.ModelCache(), spam.ModelCache()
    before = score_of("Order zorblax gummies today", cache=server_a)
    tasks.learn(comments=comments_saying(NOVEL_SPAM), status="spam", cache=server_b)
    after_a = score_of("Order zorblax gummies today", cache=server_a)
    assert after_a == score_of("Order zorblax gummies today", cache=server_b) > before + 0.3
    assert server_a.version == server_b.version == SpamFilter.objects.get().version == 1


def test_the_shipped_model_is_the_shipped_examples_trained():
    trained = tasks.trained(*tasks.seed_examples())
    shipped = spam.seed_classifier()
    assert np.allclose(trained.weights, shipped.weights), (
        "comments/spam_seed.json changed: run manage.py train_spam_filter --shipped"
    )
    assert trained.intercept == pytest.approx(shipped.intercept)


SCORE_ONLY = """
import sys
from pathlib import Path
import django
django.setup()
from comments.spam import Classifier
classifier = Classifier.from_bytes(Path(sys.argv[1]).read_bytes())
print(classifier.score("Cheap casino bonus"), classifier.spam_words("Cheap casino bonus"))
print("sklearn" in sys.modules, "scipy" in sys.modules)
"""


def test_scoring_a_comment_loads_neither_scikit_learn_nor_scipy(tmp_path):
    model = tmp_path / "model.npz"
    model.write_bytes(spam.seed_classifier().to_bytes())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x"}
    ran = subprocess.run(
        [sys.executable, "-c", SCORE_ONLY, str(model)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    scored, imported = ran.stdout.splitlines()
    assert scored.startswith("0.9") and "'cheap'" in scored
    assert imported == "False False"


def test_retraining_starts_again_from_the_shipped_examples_and_every_decision(capsys):
    tasks.learn(comments=comments_saying(NOVEL_SPAM[:1]), status="spam")
    comments_saying(NOVEL_SPAM, status="spam", moderated_at="2026-01-01T00:00Z")
    comments_saying(["Thanks, good post."], status="approved", moderated_at="2026-01-01T00:00Z")
    comments_saying(["Not decided by anyone"], status="pending")
    comments_saying(["Zorblax by the rules"], status="spam")  # no moderator: not a decision
    call_command("train_spam_filter")
    assert "21 moderator decision(s): version 2" in capsys.readouterr().out
    assert score_of("Order zorblax gummies today") > 0.8


def test_the_hold_score_cannot_be_above_the_spam_score():
    rules = ModerationSettings.load()
    rules.spam_score_hold, rules.spam_score_spam = 0.95, 0.9
    with pytest.raises(ValidationError) as error:
        rules.full_clean()
    assert "spam_score_hold" in error.value.message_dict


# Through the site: moderators teach it in the admin, and new comments are scored

NOVEL_HAM = [
    f"Comment {n}: the ferry timetable you linked was right, we caught the early boat to the isles"
    for n in range(20)
]


def decide_in_bulk(moderator, comments, action):
    admin = Client()
    admin.force_login(moderator)
    selected = {"action": action, "index": 0, "_selected_action": [c.pk for c in comments]}
    assert admin.post(reverse("admin:comments_comment_changelist"), selected).status_code == 302


def test_forty_decisions_in_the_admin_teach_it_to_hold_a_new_kind_of_spam(client, moderator):
    post = PostFactory()
    fresh_spam = "Order zorblax gummies today: the quintessential vorpal supplement"
    assert score_of(fresh_spam) < ModerationSettings.load().spam_score_hold
    decide_in_bulk(moderator, comments_saying(NOVEL_SPAM, post=post), "mark_selected_spam")
    decide_in_bulk(moderator, comments_saying(NOVEL_HAM, post=post), "approve_selected")
    assert SpamFilter.objects.get().decisions == 40

    fresh_ham = "We took the ferry to the isles last spring, thanks for the tip"
    for body in [fresh_spam, fresh_ham]:
        form = CommentFormDataFactory(post=post, author_name="Sam", body=body)
        client.post(reverse("comments:submit", kwargs={"post_id": post.pk}), form)
    caught, ordinary = Comment.objects.get(body=fresh_spam), Comment.objects.get(body=fresh_ham)
    assert caught.status == Comment.Status.SPAM
    reason = r"spam score \d\.\d\d \(words: '[^)]*zorblax[^)]*'\)"
    assert re.fullmatch(reason, caught.moderation_reasons[-1])
    assert ordinary.status == Comment.Status.PENDING
    assert not any("spam score" in reason for reason in ordinary.moderation_reasons)


def test_a_comment_between_the_thresholds_is_held_with_its_score_in_the_moderators_mail(
    client, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    rules = ModerationSettings.load()
    rules.spam_score_hold, rules.spam_score_spam = 0.3, 1
    rules.save()
    post = PostFactory()
    form = CommentFormDataFactory(post=post, body="Cheap bonus for you")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("comments:submit", kwargs={"post_id": post.pk}), form)
    held = Comment.objects.get(post=post)
    assert held.status == Comment.Status.PENDING
    assert held.moderation_reasons[0].startswith("spam score ")
    assert held.moderation_reasons[0] in mailoutbox[0].body


def one_click(moderator, comment, action):
    admin = Client()
    admin.force_login(moderator)
    admin.post(reverse(f"admin:comments_comment_{action}", args=[comment.pk]))


def emailed_link(moderator, comment, action):
    token = notifications.make_link_token(comment=comment, action=action, moderator=moderator)
    Client().post(reverse("comments:moderate_link", kwargs={"token": token}))


@pytest.mark.parametrize("path", [one_click, emailed_link])
def test_a_decision_on_one_comment_teaches_it_whichever_way_it_is_made(path, moderator):
    comment = comments_saying(NOVEL_SPAM[:1])[0]
    path(moderator, comment, "spam")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    assert SpamFilter.objects.get().decisions == 1
