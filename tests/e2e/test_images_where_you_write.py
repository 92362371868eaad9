"""The post form's image library in a real browser at 1280 and 390 px: an image is uploaded
without leaving the post (no new tab, no page load), the list shows it at once, and the Author
dropdown offers only people who may write."""

import io

import pytest
from PIL import Image as PILImage
from playwright.sync_api import expect

from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.e2e.geometry import WIDTHS, scrolls_sideways
from tests.e2e.test_accessibility import assert_no_violations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_upload_from_the_post_form_refreshes_the_library_in_place(live_server, new_context, width):
    chief = staff_in("Editors", "chief")
    staff_in("Authors", "writer")
    staff_in("Moderators", "gatekeeper")
    UserFactory(username="reader")
    context = new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in_to_admin(page, live_server, chief)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    form_url = page.url

    options = page.locator("#id_author option").all_inner_texts()
    assert [name for name in options if not name.startswith("-")] == ["chief", "writer"]

    library = page.locator("#image-library")
    expect(library.get_by_role("link", name="Upload an image")).to_be_hidden()
    page.get_by_label("Body").fill("Before the picture.")
    library.get_by_label("Image file").set_input_files(
        {"name": "harbour.png", "mimeType": "image/png", "buffer": png()}
    )
    library.get_by_role("button", name="Upload").click()
    expect(library.locator(".library-status")).to_contain_text("required")

    library.get_by_label("Alt text").fill("Boats in a harbour at dusk")
    library.get_by_role("button", name="Upload").click()
    expect(library.locator(".library-status")).to_contain_text("Uploaded")
    new_image = library.locator(".library-images li").first
    expect(new_image.locator("img")).to_have_attribute("alt", "Boats in a harbour at dusk")
    assert page.url == form_url and len(context.pages) == 1, "no page change, no new tab"
    expect(page.get_by_label("Body")).to_have_value("Before the picture.")

    new_image.get_by_role("button", name="Insert").click()
    expect(page.get_by_label("Body")).to_have_value(
        "Before the picture.\n\n![Boats in a harbour at dusk]("
        + new_image.locator("code").inner_text().split("](", 1)[1]
        + "\n\n"
    )
    expect(page.locator("#body-preview img")).to_have_count(1)
    assert not scrolls_sideways(page)
    assert_no_violations(page, f"post form after an upload at {width} px")
