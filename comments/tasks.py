"""Mail, and the spam filter's learning, are background tasks (django-tasks), never work inside
a reader's or a moderator's request. The learning is here too: scikit-learn (with SciPy) is
imported only where a model learns, so the web processes, which only score new comments
(comments.spam), never load it.

In production the tasks are stored in the database (django-tasks-db) and run by
`python manage.py db_worker`; locally and in most tests they run at once (ImmediateBackend; the
console mail backend cannot hang). A failed send is logged, recorded as a failed task, and tried
again later (blog.tasks.retry_later). Each SMTP call gives up after settings.EMAIL_TIMEOUT seconds.
"""

import json
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from django.db import transaction
from django_tasks import task

from blog.tasks import retry_later
from comments.models import Comment, SpamFilter
from comments.spam import CACHE, N_FEATURES, Classifier, ModelCache, comment_text, hashed

logger = logging.getLogger("comments.notifications")
# The labelled set every model starts from, shipped with the code (trained into spam_seed.npz).
SEED_PATH = Path(__file__).with_name("spam_seed.json")
# What each decision teaches: a rejected comment is unwanted, but the moderator said not spam.
LABELS = {Comment.Status.SPAM: 1, Comment.Status.APPROVED: 0, Comment.Status.REJECTED: 0}


@task()
def send_moderator_notice(*, comment_id: int, attempt: int = 1) -> int:
    """Email the moderators about a comment still pending; returns how many messages went."""
    from comments.notifications import send_moderator_notices

    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0  # deleted or moderated meanwhile: nobody needs telling any more
    try:
        return send_moderator_notices(comment)
    except Exception:
        what = f"the moderators' email about comment {comment_id}"
        retry_later(
            send_moderator_notice, attempt=attempt, what=what, log=logger, comment_id=comment_id
        )
        raise


@task()
def send_confirmation_email(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link that confirms their address."""
    from comments.services import send_verification_email

    try:
        send_verification_email(email=email)
    except Exception:
        what = "the confirmation email"
        retry_later(send_confirmation_email, attempt=attempt, what=what, log=logger, email=email)
        raise


@task()
def send_subscriber_notices(*, comment_id: int, attempt: int = 1) -> int:
    """Mail the commenters who asked to hear of this comment (comments.subscriptions), if it is
    still published; returns how many messages went."""
    from django.core.mail import get_connection

    from comments.subscriptions import notices

    published = Comment.objects.in_public_threads().select_related("post", "parent")
    comment = published.filter(pk=comment_id).first()
    if comment is None:
        return 0  # deleted or unpublished meanwhile: nothing to tell
    try:
        messages = notices(comment)
        return (get_connection().send_messages(messages) or 0) if messages else 0
    except Exception:
        what = f"the subscribers' notices of comment {comment_id}"
        retry_later(
            send_subscriber_notices, attempt=attempt, what=what, log=logger, comment_id=comment_id
        )
        raise


@task()
def send_data_link(*, email: str, attempt: int = 1) -> None:
    """Mail a commenter the link to the personal data held for their address."""
    from comments.personal_data import send_data_link_email

    try:
        send_data_link_email(email=email)
    except Exception:
        what = "the personal data link"
        retry_later(send_data_link, attempt=attempt, what=what, log=logger, email=email)
        raise


@task()
def learn_spam_decision(*, comment_ids: list[int], status: str) -> int:
    """Teach the spam filter a moderator's decision (learn), away from the request, so web
    processes never load scikit-learn; returns how many comments it learnt.

    A comment deleted, or moved to another status (an undo), since the decision is left out.
    """
    comments = list(
        Comment.objects.filter(pk__in=comment_ids, status=status).only(
            "author_name", "author_url", "body"
        )
    )
    learn(comments=comments, status=status)
    return len(comments)


def matrix(texts: list[str]):
    """The texts as the sparse rows scikit-learn learns from."""
    from scipy.sparse import csr_matrix

    rows = [hashed(text) for text in texts]
    indptr = np.cumsum([0] + [len(index) for index, _ in rows])
    indices = np.concatenate([index for index, _ in rows])
    data = np.concatenate([values for _, values in rows])
    return csr_matrix((data, indices, indptr), shape=(len(texts), N_FEATURES))


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
    """The labelled set shipped with the code."""
    seed = json.loads(SEED_PATH.read_text())
    return seed["ham"] + seed["spam"], [0] * len(seed["ham"]) + [1] * len(seed["spam"])


@transaction.atomic
def learn(*, comments: Iterable[Comment], status: str, cache: ModelCache = CACHE) -> None:
    """Teach the classifier a moderator's decision on these comments: one update, one new
    version. Statuses that say nothing of spam (pending) teach nothing."""
    label = LABELS.get(status)
    texts = [comment_text(comment) for comment in comments]
    if label is None or not texts:
        return
    row = SpamFilter.objects.select_for_update().get_or_create(pk=1)[0]
    cache.save(row, learned(cache.at(row), texts, [label] * len(texts)), decisions=len(texts))


@transaction.atomic
def retrain(*, cache: ModelCache = CACHE) -> SpamFilter:
    """Train a new model from the shipped examples and every moderator decision so far (the
    comments a moderator approved, rejected or marked as spam), as a new version."""
    texts, labels = seed_examples()
    decided = Comment.objects.filter(moderated_at__isnull=False, status__in=list(LABELS))
    decisions = 0
    for comment in decided.only("author_name", "author_url", "body", "status").iterator():
        texts.append(comment_text(comment))
        labels.append(LABELS[comment.status])
        decisions += 1
    row = SpamFilter.objects.select_for_update().get_or_create(pk=1)[0]
    row.decisions = 0
    cache.save(row, trained(texts, labels), decisions=decisions)
    return row
