"""The owner's pages (About, Contact, Privacy): their own address, the navigation in the owner's
order, the sitemap and the page cache; never a draft to the public."""

import pytest
from django.test import Client
from django.urls import reverse

from blog.models import Page
from tests.factories import PageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_published_page_has_its_own_address_outside_the_blog(client):
    page = PageFactory(title="About", slug="about", body="We grow **kale**.")
    assert page.get_absolute_url() == "/about/"
    answer = client.get("/about/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<h1>About</h1>" in html
    assert "We grow <strong>kale</strong>." in html
    assert "comment" not in html.split('<main id="main"', 1)[1].split("</main>")[0].lower()


def test_a_draft_page_is_a_404_to_readers_and_a_noindex_preview_to_editors(client, editor):
    PageFactory(title="Contact", slug="contact", status=Page.Status.DRAFT)
    assert client.get("/contact/").status_code == 404
    client.force_login(editor)
    answer = client.get("/contact/")
    assert answer.status_code == 200
    assert "no-cache" in answer["Cache-Control"]
    assert answer["X-Robots-Tag"] == "noindex, nofollow"
    assert "this page is a draft" in answer.content.decode()


def test_the_navigation_lists_published_pages_in_the_owners_order(client):
    PageFactory(title="Privacy", slug="privacy", position=3)
    PageFactory(title="About", slug="about", position=1)
    PageFactory(title="Contact", slug="contact", position=2, in_navigation=False)
    PageFactory(title="Secret plans", slug="plans", status=Page.Status.DRAFT)
    html = client.get("/").content.decode()
    navigation = html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    assert navigation.index('href="/about/"') < navigation.index('href="/privacy/"')
    assert "/contact/" not in navigation
    assert "Secret plans" not in html


def test_a_page_in_a_cached_navigation_and_on_its_cached_address_changes_at_once(client):
    page = PageFactory(title="About", slug="about", body="Old words.")
    assert "Old words." in client.get("/about/").content.decode()
    assert 'href="/about/"' in client.get("/").content.decode()
    page.title, page.body = "About us", "New words."
    page.save()
    assert "New words." in client.get("/about/").content.decode()
    assert ">About us</a>" in client.get("/").content.decode()
    page.status = Page.Status.DRAFT
    page.save()
    assert client.get("/about/").status_code == 404
    assert 'href="/about/"' not in client.get("/").content.decode()


def test_a_page_is_served_from_the_page_cache_the_second_time(client, django_assert_num_queries):
    PageFactory(slug="about")
    client.get("/about/")
    with django_assert_num_queries(0):
        assert Client().get("/about/").status_code == 200


def test_published_pages_are_in_the_sitemap_and_drafts_are_not(client):
    PageFactory(slug="about")
    PageFactory(slug="plans", status=Page.Status.DRAFT)
    section = client.get(reverse("sitemap_section", args=["pages"])).content.decode()
    assert "/about/</loc>" in section
    assert "/plans/" not in section


@pytest.mark.parametrize("slug", ["admin", "blog", "comments"])
def test_a_slug_the_site_uses_itself_is_a_form_error(client, editor, slug):
    client.force_login(editor)
    answer = client.post(
        reverse("admin:blog_page_add"),
        {"title": "Mine", "slug": slug, "body": "x", "status": "published", "position": "0"},
    )
    assert answer.status_code == 200
    assert "This address belongs to the site itself" in answer.content.decode()
    assert not Page.objects.exists()


def test_editors_write_pages_and_authors_and_moderators_do_not(client, editor, author, moderator):
    for user, allowed in [(editor, True), (author, False), (moderator, False)]:
        client.force_login(user)
        status = client.get(reverse("admin:blog_page_add")).status_code
        assert status == (200 if allowed else 403), user.username


def test_page_html_is_sanitised(client):
    PageFactory(slug="about", body='<script>alert(1)</script><a href="javascript:x">y</a>')
    html = client.get("/about/").content.decode()
    assert "<script>alert" not in html and "javascript:x" not in html


def test_superuser_sees_a_draft_page(client):
    PageFactory(slug="plans", status=Page.Status.DRAFT)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/plans/").status_code == 200
