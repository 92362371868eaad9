"""Property-based checks (hypothesis): any input gives a stored object or a form error, never an
exception, and no script survives rendering.

Modest example counts and no deadline, so the suite stays fast and steady under load.
"""

from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from blog import importing
from blog.models import Post
from blog.rendering import render_markdown
from comments import services
from comments.forms import CommentForm
from comments.models import Comment
from tests.conftest import clear_cache
from tests.factories import CommentFormDataFactory, PostFactory, UserFactory, post_admin_form
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
    if form.is_valid():
        comment = services.submit_comment(
            post=post, form=form, ip="192.0.2.1", user_agent="", user=None
        )
        assert Comment.objects.filter(pk=comment.pk).exists()
        assert not injections(comment.body_html)
    else:
        assert form.errors


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
            clear_cache()
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
