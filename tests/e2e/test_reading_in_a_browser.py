import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_opens_a_post_from_the_index_and_goes_back(live_server, new_context):
    PostFactory(title="A browser-read post", body="Hello from the body.\n\n## Section")
    page = new_context().new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="A browser-read post").click()
    assert page.get_by_role("heading", level=1).inner_text() == "A browser-read post"
    assert page.get_by_role("heading", name="Section").is_visible()
    page.get_by_role("link", name="Back to blog").click()
    assert page.url == live_server.url + "/"
