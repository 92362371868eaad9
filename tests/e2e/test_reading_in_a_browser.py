import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_opens_a_post_from_the_index_and_goes_back(live_server, new_context):
    PostFactory(title="A browser-read post", body="Hello from the body.\n\n## Section")
    page = new_context().new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="A browser-read post").click()
    # expect() waits for the next page; a bare read could still see the one clicked from.
    expect(page.get_by_role("heading", level=1)).to_have_text("A browser-read post")
    expect(page.get_by_role("heading", name="Section")).to_be_visible()
    page.get_by_role("link", name="Back to blog").click()
    expect(page).to_have_url(live_server.url + "/")
