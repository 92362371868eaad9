"""The owner's settings, the pages, the footer that leads readers on, and each role's admin
index, in a browser at 1280 and 390 px: laid out without overlaps or sideways scrolling, and
axe finds nothing.

`SCREENSHOT_SITE_SETTINGS=docs/site-settings.png` and `SCREENSHOT_PAGE=docs/about-page.png` also
save the owner's settings form and the About page.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from blog.models import Page
from tests.e2e.admin_login import log_in_to_admin, staff_in
from tests.factories import CommentFactory, PageFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
WIDTHS = [1280, 390]


def assert_no_violations(page, label):
    results = AXE.run(page)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


def assert_fits(page, width, label):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{label} scrolls"


def boxes(page, selector):
    return [box for box in (el.bounding_box() for el in page.locator(selector).all()) if box]


def assert_apart(found, label):
    """No two of these boxes overlap."""
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{label}: {a} overlaps {b}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owner_renames_the_site_and_every_page_shows_it(live_server, new_context, width):
    PostFactory(title="A post already read")
    owner = UserFactory(username="owner", is_staff=True, is_superuser=True)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    reader = new_context(viewport={"width": width, "height": 900}).new_page()
    reader.goto(live_server.url + "/")  # cached now, under the old name
    log_in_to_admin(page, live_server, owner)
    page.goto(live_server.url + reverse("admin:blog_sitesettings_changelist"))
    page.get_by_label("Site name").fill("Allotment Notes")
    page.get_by_label("Tagline").fill("Growing food on a small plot, season by season")
    page.get_by_label("About text").fill("Two gardeners write down what worked.")
    page.get_by_label("Footer line").fill("© The allotment society")
    assert_no_violations(page, "site settings form")
    assert_fits(page, width, "site settings form")
    if width == 1280 and (path := os.environ.get("SCREENSHOT_SITE_SETTINGS")):
        page.screenshot(path=path)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#site-name")).to_contain_text("Allotment Notes administration")

    reader.goto(live_server.url + "/")
    expect(reader.locator(".site-name")).to_have_text("Allotment Notes")
    expect(reader.locator(".tagline")).to_have_text(
        "Growing food on a small plot, season by season"
    )
    expect(reader.locator(".site-footer")).to_contain_text("Two gardeners write down what worked.")
    expect(reader.locator(".footer-line")).to_contain_text("© The allotment society")
    assert_apart(boxes(reader, ".site-title, .site-header nav, .site-search"), "header")
    assert_fits(reader, width, "index")
    assert_no_violations(reader, "index with the owner's settings")


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_sit_in_the_navigation_in_the_owners_order(live_server, new_context, width):
    PostFactory(tags=["kale"])
    PageFactory(title="Privacy", slug="privacy", position=2, body="We keep *little*.")
    PageFactory(
        title="About",
        slug="about",
        position=1,
        body="## Who we are\n\nTwo gardeners and a shed.\n\n- Kale\n- Beans",
    )
    PageFactory(title="Plans", slug="plans", status=Page.Status.DRAFT)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(live_server.url + "/")
    navigation = page.get_by_role("navigation", name="Main")
    assert navigation.get_by_role("link").all_inner_texts() == ["Blog", "About", "Privacy"]
    navigation.get_by_role("link", name="About").click()
    expect(page).to_have_url(live_server.url + "/about/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About")
    expect(navigation.get_by_role("link", name="About")).to_have_attribute("aria-current", "page")
    assert_apart(boxes(page, ".site-header nav li"), "navigation links")
    assert_apart(boxes(page, ".site-title, .site-header nav, .site-search"), "header")
    assert_fits(page, width, "about page")
    assert_no_violations(page, "about page")
    if width == 1280 and (path := os.environ.get("SCREENSHOT_PAGE")):
        page.screenshot(path=path)
    assert page.goto(live_server.url + "/plans/").status == 404


@pytest.mark.parametrize("width", WIDTHS)
def test_the_footer_leads_to_the_feed_the_months_and_the_tags(live_server, new_context, width):
    post = PostFactory(tags=["kale", "beans", "onions"])
    PostFactory(tags=["kale"], publish_at=post.publish_at.replace(year=post.publish_at.year - 1))
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(live_server.url + "/")
    footer = page.locator(".site-footer")
    feed = footer.get_by_role("link", name="RSS feed")
    expect(feed).to_be_visible()
    assert feed.get_attribute("href") == reverse("blog:feed_rss")
    archive = footer.get_by_role("navigation", name="Archive")
    expect(archive.get_by_role("link")).to_have_count(2)
    tags = footer.get_by_role("navigation", name="Tags")
    assert sorted(tags.get_by_role("link").all_inner_texts()) == ["beans", "kale", "onions"]
    assert_apart(boxes(page, ".site-footer .container > *"), "footer blocks")
    assert_apart(boxes(page, ".footer-archive a, .footer-tags a"), "footer links")
    assert_fits(page, width, "index footer")
    assert_no_violations(page, "index with its footer")
    month = post.publish_at
    archive.get_by_role("link").first.click()
    expect(page).to_have_url(live_server.url + f"/blog/{month:%Y/%m}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{month:%Y}")


@pytest.mark.parametrize("width", WIDTHS)
def test_each_role_is_met_by_its_work_in_its_own_words(live_server, new_context, width):
    author = staff_in("Authors", "author")
    PostFactory(author=author, draft=True, title="My half-written post")
    PostFactory(status="review", publish_at=None, title="A post to review")
    CommentFactory(pending=True)
    work = {
        "author": (author, "Your drafts", "My half-written post"),
        "editor": (staff_in("Editors", "editor"), "Posts awaiting review", "A post to review"),
        "moderator": (staff_in("Moderators", "moderator"), "awaiting moderation", None),
    }
    for role, (user, heading, item) in work.items():
        page = new_context(viewport={"width": width, "height": 900}).new_page()
        log_in_to_admin(page, live_server, user)
        content = page.locator("#content")
        expect(content).to_contain_text(heading)
        if item:
            expect(content).to_contain_text(item)
        text = page.locator("body").inner_text()
        for name in ["Axes", "Taggit", "Tasks Database Backend", "Tasks database backend"]:
            assert name not in text, f"{role} sees {name}"
        first_section = page.locator("#content-main .app-blog, #content-main .app-comments").first
        lead = page.get_by_text(heading).first
        assert lead.bounding_box()["y"] < first_section.bounding_box()["y"], role
        assert_fits(page, width, f"{role}'s admin index")
        assert_no_violations(page, f"{role}'s admin index")
