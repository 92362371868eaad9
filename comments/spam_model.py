"""A spam classifier that learns from this site's moderators, on this server.

A logistic regression on hashed words, word pairs and character n-grams, trained by
scikit-learn's SGDClassifier: each moderator decision is one partial_fit. The model is a weight
per hash bucket, kept in the database (SpamFilter, with a version every process checks), so it
holds no comment text and a commenter's data can be deleted without retraining. Before any
decision, and under every retrain, lies a small labelled set shipped with the code
(spam_seed.json).

Scoring needs only numpy: scikit-learn (with SciPy) is imported where a model learns, so the
processes that only score new comments never load it.
"""

import functools
import io
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from comments.models import Comment, SpamFilter
from comments.textfold import fold

N_FEATURES = 2**18
SEED_PATH = Path(__file__).with_name("spam_seed.json")
SEED_MODEL_PATH = Path(__file__).with_name("spam_seed.npz")
WORD = re.compile(r"\w+")
# What each decision teaches: a rejected comment is unwanted, but the moderator said not spam.
LABELS = {Comment.Status.SPAM: 1, Comment.Status.APPROVED: 0, Comment.Status.REJECTED: 0}
SHOWN_WORDS = 3


def features(text: str) -> list[str]:
    """Words, word pairs and 3-5 character pieces of each word, compared folded (so "cаsino"
    with a Cyrillic "а" is "casino"); pieces are marked so none is taken for a word."""
    words = WORD.findall(fold(text))
    found = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in set(words):
        padded = f" {word[:30]} "
        found += [f"~{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return found


def buckets(names: list[str]) -> np.ndarray:
    """Each feature's hash bucket: the model keeps a weight per bucket, never the feature."""
    hashes = (zlib.crc32(name.encode()) for name in names)
    return np.fromiter(hashes, dtype=np.int64, count=len(names)) % N_FEATURES


def hashed(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The text as a sparse vector: its buckets, and their counts scaled to unit length."""
    index, counts = np.unique(buckets(features(text)), return_counts=True)
    return index, counts / max(np.sqrt((counts**2).sum()), 1)


def matrix(texts: list[str]):
    """The texts as the sparse rows scikit-learn learns from."""
    from scipy.sparse import csr_matrix

    rows = [hashed(text) for text in texts]
    indptr = np.cumsum([0] + [len(index) for index, _ in rows])
    indices = np.concatenate([index for index, _ in rows])
    data = np.concatenate([values for _, values in rows])
    return csr_matrix((data, indices, indptr), shape=(len(texts), N_FEATURES))


def comment_text(comment: Comment) -> str:
    """What the classifier reads of a comment: what readers would see of it."""
    return " ".join([comment.author_name, comment.author_url, comment.body])


@dataclass(frozen=True)
class Classifier:
    """A trained model: a weight per bucket, the intercept, and the SGD step count (its learning
    rate's schedule goes on from there)."""

    weights: np.ndarray
    intercept: float
    steps: float

    @staticmethod
    def _sgd():
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0)

    @classmethod
    def _of(cls, model) -> "Classifier":
        return cls(model.coef_[0].copy(), float(model.intercept_[0]), float(model.t_))

    @classmethod
    def trained(cls, texts: list[str], labels: list[int], *, epochs: int = 5) -> "Classifier":
        """A model trained from scratch: a few shuffled passes over the examples."""
        model = cls._sgd()
        X, y = matrix(texts), np.array(labels)
        order = np.random.default_rng(0)
        for _ in range(epochs):
            shuffled = order.permutation(len(labels))
            model.partial_fit(X[shuffled], y[shuffled], classes=[0, 1])
        return cls._of(model)

    def learned(self, texts: list[str], labels: list[int]) -> "Classifier":
        """A new model that has learnt from these examples (one update for the batch)."""
        model = self._sgd()
        model.coef_ = self.weights.reshape(1, -1).copy()
        model.intercept_ = np.array([self.intercept])
        model.t_, model.classes_, model.n_features_in_ = self.steps, np.array([0, 1]), N_FEATURES
        model.partial_fit(matrix(texts), np.array(labels))
        return self._of(model)

    def score(self, text: str) -> float:
        """The probability that the text is spam (what SGDClassifier.predict_proba says)."""
        index, values = hashed(text)
        return float(1 / (1 + np.exp(-(self.weights[index] @ values + self.intercept))))

    def spam_words(self, text: str) -> list[str]:
        """The comment's own words (as written, lower-cased) that most push it towards spam,
        strongest first."""
        words = sorted(set(WORD.findall(text.casefold())))
        weights = self.weights[buckets([fold(word) for word in words])]
        ranked = sorted(zip(weights, words, strict=True), reverse=True)
        return [word for weight, word in ranked[:SHOWN_WORDS] if weight > 0]

    def to_bytes(self) -> bytes:
        """The weights alone, sparse (only buckets ever seen are non-zero), as .npz."""
        index = np.flatnonzero(self.weights).astype(np.int32)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            index=index,
            weight=self.weights[index],
            intercept=np.array([self.intercept]),
            steps=np.array([self.steps]),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Classifier":
        """The model saved by to_bytes(); arrays only, so nothing is unpickled."""
        arrays = np.load(io.BytesIO(data), allow_pickle=False)
        weights = np.zeros(N_FEATURES)
        weights[arrays["index"]] = arrays["weight"]
        return cls(weights, float(arrays["intercept"][0]), float(arrays["steps"][0]))


def seed_examples() -> tuple[list[str], list[int]]:
    """The labelled set shipped with the code."""
    seed = json.loads(SEED_PATH.read_text())
    return seed["ham"] + seed["spam"], [0] * len(seed["ham"]) + [1] * len(seed["spam"])


@functools.cache
def seed_classifier() -> Classifier:
    """The model before any decision (version 0): the shipped examples, trained once when they
    change (`manage.py train_spam_filter --shipped`) and kept beside them, so that no server
    needs scikit-learn, nor a second, to score the first comment."""
    return Classifier.from_bytes(SEED_MODEL_PATH.read_bytes())


class ModelCache:
    """One process's classifier, reloaded from the database only when its version moved."""

    def __init__(self):
        self.version, self.classifier = None, None

    def at(self, row: SpamFilter) -> Classifier:
        if row.version != self.version:
            self.classifier = (
                Classifier.from_bytes(bytes(row.weights)) if row.weights else seed_classifier()
            )
            self.version = row.version
        return self.classifier

    def current(self) -> Classifier:
        """The classifier at the database's version: one primary-key lookup when unchanged."""
        version = SpamFilter.objects.filter(pk=1).values_list("version", flat=True).first()
        if not version:
            return self.at(SpamFilter(pk=1))
        if version != self.version:
            return self.at(SpamFilter.objects.get(pk=1))
        return self.classifier

    def save(self, row: SpamFilter, classifier: Classifier, *, decisions: int) -> None:
        """Store a new version; this process keeps it once the transaction commits."""
        row.weights, row.version = classifier.to_bytes(), row.version + 1
        row.decisions += decisions
        row.save()
        version = row.version

        def keep():
            self.version, self.classifier = version, classifier

        transaction.on_commit(keep)


CACHE = ModelCache()


def spam_score(comment: Comment, *, cache: ModelCache = CACHE) -> tuple[float, list[str]]:
    """The probability the comment is spam, and its words that weigh most towards it."""
    classifier, text = cache.current(), comment_text(comment)
    return classifier.score(text), classifier.spam_words(text)


def score_reason(score: float, words: list[str]) -> str:
    """'spam score 0.93 (words: 'casino', 'cheap')': the reason a moderator reads."""
    quoted = ", ".join(f"'{word}'" for word in words)
    return f"spam score {score:.2f}" + (f" (words: {quoted})" if quoted else "")


@transaction.atomic
def learn(*, comments: Iterable[Comment], status: str, cache: ModelCache = CACHE) -> None:
    """Teach the classifier a moderator's decision on these comments: one update, one new
    version. Statuses that say nothing of spam (pending) teach nothing."""
    label = LABELS.get(status)
    texts = [comment_text(comment) for comment in comments]
    if label is None or not texts:
        return
    row = SpamFilter.objects.select_for_update().get_or_create(pk=1)[0]
    classifier = cache.at(row).learned(texts, [label] * len(texts))
    cache.save(row, classifier, decisions=len(texts))


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
    cache.save(row, Classifier.trained(texts, labels), decisions=decisions)
    return row
