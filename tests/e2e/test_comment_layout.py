import pytest

from tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 8
RTL = "مرحبا بكم في المدونة، شكرا على المقال"


def test_long_words_emoji_and_rtl_comments_do_not_widen_the_page_on_a_phone(
    live_server, new_context
):
    post = PostFactory(title="Layout check")
    CommentFactory(post=post, approved=True, author_name=LONG_WORD[:80], body=f"{LONG_WORD} 😀🎉")
    CommentFactory(post=post, approved=True, author_name="قارئ", body=RTL)
    page = new_context(viewport=PHONE).new_page()
    page.goto(live_server.url + post.get_absolute_url())
    assert page.get_by_text(RTL).is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]
    direction = page.locator(".comment-text", has_text=RTL).evaluate(
        "element => getComputedStyle(element).direction"
    )
    assert direction == "rtl"
