"""Property-based checks (hypothesis): any input gives a stored object or a form error, never an
exception, and no script survives rendering.

Modest example counts and no deadline, so the suite stays fast and steady under load.
"""

from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from blog import importing
from blog.models import Post
from blog.rendering import render_markdown
from comments import services, spam
from comments.forms import CommentForm
from comments.models import Comment, ModerationSettings
from tests.factories import (
    CommentFactory,
    CommentFormDataFactory,
    PostFactory,
    UserFactory,
    post_admin_form,
)
from tests.test_roles_admin import ADD_URL
from tests.xss_payloads import PAYLOADS, injections
from wordpress_import import content as wp_content

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text, plus the corpus's payloads and HTML/Markdown punctuation, so examples hit markup.
TEXT = st.one_of(
    st.text(),
    st.sampled_from(PAYLOADS),
    st.text(alphabet=st.sampled_from("<>\"'&=/:;()[]!#*_`-\n \tajsvx\u200b\u2028\x00")),
)


@pytest.mark.django_db
@EXAMPLES
@given(
    name=TEXT,
    email=st.one_of(st.just("reader@example.com"), st.emails(), TEXT),
    url=st.one_of(st.just(""), TEXT),
    body=TEXT,
)
@example(name="Ann", email="ann@example.com", url="", body="Hello <script>alert(1)</script>")
def test_any_text_in_any_comment_field_is_stored_or_a_form_error(name, email, url, body):
    post = PostFactory()
    data = CommentFormDataFactory(
        post=post, author_name=name, author_email=email, author_url=url, body=body
    )
    form = CommentForm(data, post=post)
    comment = services.submit_comment(
        post=post, form=form, ip="192.0.2.1", user_agent="", user=None
    )
    if comment is None:
        assert form.errors
    else:
        assert Comment.objects.filter(pk=comment.pk).exists()
        assert not injections(comment.body_html)


@EXAMPLES
@given(text=TEXT)
def test_any_markdown_renders_to_html_without_script(text):
    html = render_markdown(text)
    assert isinstance(html, str)
    assert not injections(html), (text, html)


@EXAMPLES
@given(text=TEXT)
def test_any_text_parses_as_an_import_file_or_says_why_not(text):
    for parse in (importing.parse_markdown, importing.parse_scraped_text):
        try:
            parsed = parse(text)
        except importing.BadFile as refusal:
            assert str(refusal)
        else:
            assert parsed.title.strip() and parsed.body.strip()
            assert not injections(render_markdown(parsed.body))


@EXAMPLES
@given(html=TEXT)
def test_any_wordpress_content_converts_without_script(html):
    cleaned = wp_content.prepare_html(html)
    assert not injections(cleaned), (html, cleaned)
    assert not injections(render_markdown(wp_content.to_markdown(cleaned)))
    assert isinstance(wp_content.comment_text(html), str)


# Tag names: any text, punctuation-only, look-alike letters whose slugs collide ("x*]>" and
# "X" both slugify to "x"), letters NFKC expands ("ﷺ" is eighteen letters), very long names.
TAG_TEXT = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.sampled_from("xX*]>[<\"', _!?#&%/\t\u0130\u212a\ufb01\ufdfa"), max_size=12),
    st.sampled_from(["x*]>", "!!!", "\ufdfa" * 10, "a" * 101]),
)
TAG_EXAMPLES = settings(EXAMPLES, max_examples=40, derandomize=True)


class _NextExample(Exception):
    """Rolls one example's writes back: each starts from the same database and cache."""


@pytest.mark.django_db
@TAG_EXAMPLES
@given(text=TAG_TEXT)
@example(text="x*]>")
def test_any_tag_name_gets_a_working_tag_page_or_a_form_error(text):
    """Through the admin post form (next to a tag whose slug it collides with) and as a tag
    page's address: a public tag page (200) for every stored tag, a form error, or a 404."""
    try:
        with transaction.atomic():
            cache.clear()
            editor = UserFactory(is_staff=True, groups=["Editors"])
            typed = Client()
            typed.force_login(editor)
            PostFactory(tags=[slugify(text, allow_unicode=True)[:100] or "!"])  # its slug, taken
            data = post_admin_form(_action="publish", author=editor.pk, tags=text)
            response = typed.post(ADD_URL, data)
            if response.status_code == 200:
                assert response.context["adminform"].form.errors["tags"]
            else:
                assert response.status_code == 302
                post = Post.objects.get(slug=data["slug"])
                for tag in post.tags.all():
                    url = reverse("blog:tag", args=[tag.slug])
                    assert Client().get(url).status_code == 200, (tag.name, tag.slug)
            by_address = Client().get("/blog/tag/" + quote(text, safe="") + "/")
            assert by_address.status_code in (200, 404)
            raise _NextExample
    except _NextExample:
        pass


# Spellings of a listed word: every letter may be a capital, fullwidth, accented, followed by an
# invisible character, or swapped for a look-alike from another script.
LOOK_ALIKES = {
    "a": "аɑα", "c": "сᴄϲ", "d": "ԁ", "e": "е", "h": "һ", "i": "іıι", "j": "ј",
    "k": "К", "o": "оοօ", "p": "рρ", "s": "ѕ", "v": "ν", "x": "х", "y": "у",
}  # fmt: skip
INVISIBLE = ["\u200b", "\u200d", "\u00ad", "\ufe0f", "\u034f", "\u3164", "\u2060"]
LISTED_WORD = st.text(alphabet="abcdehijkopsvxyz", min_size=4, max_size=10)


@st.composite
def spellings(draw, word: str) -> str:
    letters = []
    for letter in word:
        disguise = draw(st.sampled_from(["plain", "capital", "fullwidth", "accent", "look-alike"]))
        if disguise == "capital":
            letter = letter.upper()
        elif disguise == "fullwidth":
            letter = chr(ord(letter) + 0xFEE0)
        elif disguise == "accent":
            letter += draw(st.sampled_from(["\u0301", "\u0308", "\u0327"]))
        elif disguise == "look-alike" and letter in LOOK_ALIKES:
            letter = draw(st.sampled_from(LOOK_ALIKES[letter]))
        letters.append(letter + draw(st.sampled_from(["", "", *INVISIBLE])))
    return "".join(letters)


@st.composite
def listed_word_and_spelling(draw) -> tuple[str, str]:
    word = draw(LISTED_WORD)
    return word, draw(spellings(word))


@pytest.mark.django_db
@EXAMPLES
@given(pair=listed_word_and_spelling())
@example(pair=("viagra", "vi\u0430\u200bgra"))
def test_any_spelling_of_a_listed_word_is_blocked_held_and_a_duplicate(pair):
    """One folding for every rule: the blocked words, the hold words and the repeated text."""
    word, spelling = pair
    body = f"Please read about {spelling} on my page today"
    comment = Comment(author_name="Ann", author_url="", author_email="b@example.com", body=body)
    rules = ModerationSettings(blocked_words=word, hold_words=word)
    assert spam.blocked_reasons(comment=comment, rules=rules) == [f"blocked word: {word}"]
    assert spam.held_word_reasons(comment=comment, rules=rules) == [f"held word: {word}"]
    with transaction.atomic():
        CommentFactory(
            author_email="a@example.com", body=f"Please read about {word} on my page today"
        )
        assert spam.repeats_recent_text(comment=comment)
        transaction.set_rollback(True)
