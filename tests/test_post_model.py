import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from blog.models import Post
from tests.factories import PostFactory
from tests.xss_payloads import injections

pytestmark = pytest.mark.django_db


def png_bytes(size=(1200, 800), color="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_slug_is_made_from_the_title_and_kept_unique():
    first = PostFactory(title="Hello, World!")
    second = PostFactory(title="Hello world")
    assert first.slug == "hello-world"
    assert second.slug == "hello-world-2"


def test_an_edited_slug_is_kept():
    post = PostFactory(title="Some title", slug="custom-address")
    post.title = "A new title"
    post.save()
    post.refresh_from_db()
    assert post.slug == "custom-address"


def test_body_markdown_is_rendered_to_html_on_save():
    post = PostFactory(body="Some *emphasis*\n\n## A heading\n\n- one\n- two")
    assert "<em>emphasis</em>" in post.body_html
    assert '<h2 id="a-heading">A heading</h2>' in post.body_html
    assert "<li>one</li>" in post.body_html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))" onclick="x()">hi</p>',
    ],
)
def test_no_script_event_handler_or_javascript_url_survives_rendering(hostile):
    post = PostFactory(body=f"Before\n\n{hostile}\n\nAfter")
    html = post.body_html.lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert injections(html) == []  # no javascript: URL (a Markdown link to one stays text)
    assert "<iframe" not in html
    assert "after" in html


def test_h1_in_the_body_is_demoted_so_the_page_keeps_one_h1():
    post = PostFactory(body="# Not the title\n\ntext")
    assert "<h1" not in post.body_html
    assert "Not the title</h2>" in post.body_html


def test_summary_is_derived_from_the_first_paragraph_when_empty():
    post = PostFactory(summary="", body="First paragraph here.\n\nSecond paragraph.")
    assert post.summary == "First paragraph here."


def test_a_written_summary_is_kept():
    post = PostFactory(summary="Hand written.", body="Body text.")
    assert post.summary == "Hand written."


def test_reading_time_counts_200_words_a_minute():
    assert PostFactory(body="word " * 50).reading_time == 1
    assert PostFactory(body="word " * 1001).reading_time == 6


def test_publishing_without_a_date_publishes_now():
    post = PostFactory(status=Post.Status.PUBLISHED, publish_at=None)
    assert post.publish_at is not None
    assert post.is_published


def test_cover_image_requires_alt_text():
    post = PostFactory.build(cover_image=SimpleUploadedFile("c.png", png_bytes()))
    with pytest.raises(ValidationError) as excinfo:
        post.full_clean(exclude=["author", "slug"])
    assert "cover_image_alt" in excinfo.value.message_dict


def test_an_upload_that_is_not_an_image_is_refused():
    fake = SimpleUploadedFile("c.png", b"this is not a png at all")
    post = PostFactory.build(cover_image=fake, cover_image_alt="A picture")
    with pytest.raises(ValidationError) as excinfo:
        post.full_clean(exclude=["author", "slug"])
    assert "cover_image" in excinfo.value.message_dict
