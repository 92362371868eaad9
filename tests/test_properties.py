"""Property-based checks (hypothesis): any input gives a stored object or a form error, never an
exception, and no script survives rendering.

Modest example counts and no deadline, so the suite stays fast and steady under load.
"""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from blog import importing
from blog.rendering import render_markdown
from comments import services
from comments.forms import CommentForm
from comments.models import Comment
from tests.factories import CommentFormDataFactory, PostFactory
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
    data = CommentFormDataFactory(author_name=name, author_email=email, author_url=url, body=body)
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
