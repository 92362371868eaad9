"""Mail, and the spam filter's learning, as background tasks (django-tasks), never inside a
request. scikit-learn (with SciPy) is imported only where a model learns, so the web processes,
which only score comments (comments.spam), never load it."""

import json
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from django.core.mail import get_connection
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from blog.site import site_name
from blog.tasks import retried
from comments import subscriptions
from comments.models import Comment, SpamFilter
from comments.notifications import mail_link, moderation_message, moderator_recipients
from comments.spam import CACHE, N_FEATURES, Classifier, ModelCache, comment_text, hashed

logger = logging.getLogger("comments.notifications")
# The labelled set every model starts from, shipped with the code (trained into spam_seed.npz).
SEED_PATH = Path(__file__).with_name("spam_seed.json")
# What each decision teaches: a rejected comment is unwanted, but the moderator said not spam.
LABELS = {Comment.Status.SPAM: 1, Comment.Status.APPROVED: 0, Comment.Status.REJECTED: 0}


@task()
def send_moderator_notice(*, comment_id: int, attempt: int = 1) -> int:
    """Email the moderators about a comment still pending; returns how many messages went."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0  # deleted or moderated meanwhile: nobody needs telling any more
    what = f"the moderators' email about comment {comment_id}"
    with retried(
        send_moderator_notice, attempt=attempt, what=what, comment_id=comment_id, log=logger
    ):
        notices = [
            moderation_message(comment=comment, address=address, moderator=moderator)
            for address, moderator in moderator_recipients()
        ]
        return get_connection().send_messages(notices) or 0  # an empty list opens no connection


@task()
def send_confirmation_email(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link that confirms their address."""
    from comments.services import send_verification_email

    what = "the confirmation email"
    with retried(send_confirmation_email, attempt=attempt, what=what, email=email, log=logger):
        send_verification_email(email=email)


@task()
def send_subscriber_notices(*, comment_id: int, attempt: int = 1) -> int:
    """Mail those who asked to hear of this comment, if still published; returns how many went."""
    published = Comment.objects.in_public_threads().select_related("post", "parent")
    comment = published.filter(pk=comment_id).first()
    if comment is None:
        return 0  # deleted or unpublished meanwhile: nothing to tell
    what = f"the subscribers' notices of comment {comment_id}"
    with retried(
        send_subscriber_notices, attempt=attempt, what=what, comment_id=comment_id, log=logger
    ):
        return get_connection().send_messages(subscriptions.notices(comment)) or 0


@task()
def send_data_link(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link to the personal data held for their address."""
    from comments.personal_data import link_token

    with retried(
        send_data_link, attempt=attempt, what="the personal data link", email=email, log=logger
    ):
        path = reverse("comments:personal_data", kwargs={"token": link_token(email)})
        subject = f"Your personal data on {site_name()}"
        mail_link(email=email, path=path, subject=subject, template="comments/email/data_link.txt")


@task()
def learn_spam_decision(*, comment_ids: list[int], status: str) -> int:
    """Teach the spam filter a decision; returns how many comments still had that status."""
    still = Comment.objects.filter(pk__in=comment_ids, status=status)
    comments = list(still.only("author_name", "author_url", "body"))
    learn(comments=comments, status=status)
    return len(comments)


def matrix(texts: list[str]):
    """The texts as the sparse rows scikit-learn learns from."""
    from scipy.sparse import csr_matrix

    indices, values = zip(*map(hashed, texts), strict=True)
    indptr = np.cumsum([0, *map(len, indices)])
    rows = (np.concatenate(values), np.concatenate(indices), indptr)
    return csr_matrix(rows, shape=(len(texts), N_FEATURES))


def _sgd():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0)


def _classifier(model) -> Classifier:
    return Classifier(model.coef_[0].copy(), float(model.intercept_[0]), float(model.t_))


def trained(texts: list[str], labels: list[int], *, epochs: int = 5) -> Classifier:
    """A model trained from scratch: a few shuffled passes over the examples."""
    model = _sgd()
    X, y = matrix(texts), np.array(labels)
    order = np.random.default_rng(0)
    for _ in range(epochs):
        shuffled = order.permutation(len(labels))
        model.partial_fit(X[shuffled], y[shuffled], classes=[0, 1])
    return _classifier(model)


def learned(classifier: Classifier, texts: list[str], labels: list[int]) -> Classifier:
    """A new model that has learnt from these examples (one update for the batch)."""
    model = _sgd()
    model.coef_ = classifier.weights.reshape(1, -1).copy()
    model.intercept_ = np.array([classifier.intercept])
    model.t_, model.classes_, model.n_features_in_ = classifier.steps, np.array([0, 1]), N_FEATURES
    model.partial_fit(matrix(texts), np.array(labels))
    return _classifier(model)


def seed_examples() -> tuple[list[str], list[int]]:
    seed = json.loads(SEED_PATH.read_text())
    return seed["ham"] + seed["spam"], [0] * len(seed["ham"]) + [1] * len(seed["spam"])


@transaction.atomic
def learn(*, comments: Iterable[Comment], status: str, cache: ModelCache = CACHE) -> None:
    """Teach the classifier a decision on these comments: one update, one new version."""
    label = LABELS.get(status)
    texts = [comment_text(comment) for comment in comments]
    if label is None or not texts:
        return
    row = SpamFilter.objects.select_for_update().get_or_create(pk=1)[0]
    cache.save(row, learned(cache.at(row), texts, [label] * len(texts)), decisions=len(texts))


@transaction.atomic
def retrain(*, cache: ModelCache = CACHE) -> SpamFilter:
    """Train a new model, as a new version, from the shipped examples and every decision."""
    texts, labels = seed_examples()
    seeds = len(texts)
    decided = Comment.objects.filter(moderated_at__isnull=False, status__in=list(LABELS))
    for comment in decided.only("author_name", "author_url", "body", "status").iterator():
        texts.append(comment_text(comment))
        labels.append(LABELS[comment.status])
    row = SpamFilter.objects.select_for_update().get_or_create(pk=1)[0]
    row.decisions = 0
    cache.save(row, trained(texts, labels), decisions=len(texts) - seeds)
    return row
