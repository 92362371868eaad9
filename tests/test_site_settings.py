"""The owner runs the site from the admin: its name, tagline, about text, footer and whether new
posts open to comments; a save shows on every page at once."""

import pytest
from django.conf import settings
from django.urls import reverse

from blog.site import SiteSettings
from comments.models import VerifiedEmail
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    client.force_login(UserFactory(username="owner", is_staff=True, is_superuser=True))
    return client


def settings_form(**changes):
    row = SiteSettings.load()
    data = {
        "site_name": row.site_name,
        "tagline": row.tagline,
        "about": row.about,
        "footer": row.footer,
        "comments_open_by_default": "on" if row.comments_open_by_default else "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def test_the_settings_start_from_the_environment():
    assert SiteSettings.objects.get().site_name == settings.SITE_NAME


def test_the_settings_list_leads_to_the_one_row_and_nothing_adds_or_deletes_one(owner_client):
    answer = owner_client.get(reverse("admin:blog_sitesettings_changelist"))
    assert answer.status_code == 302
    assert answer.url == reverse("admin:blog_sitesettings_change", args=[1])
    assert owner_client.get(reverse("admin:blog_sitesettings_add")).status_code == 403
    delete = reverse("admin:blog_sitesettings_delete", args=[1])
    assert owner_client.post(delete, {"post": "yes"}).status_code == 403
    assert SiteSettings.objects.count() == 1


def test_renaming_the_site_shows_on_every_page_at_once(client, owner_client):
    from django.test import Client

    post = PostFactory(title="Kept post")
    reader = Client()
    pages = ["/", post.get_absolute_url(), reverse("blog:feed_rss")]
    for url in pages:
        assert settings.SITE_NAME in reader.get(url).content.decode()  # now cached

    answer = owner_client.post(
        reverse("admin:blog_sitesettings_change", args=[1]),
        settings_form(
            site_name="Allotment Notes",
            tagline="Growing food in a small plot",
            about="Written by two gardeners.\n\nSince 2019.",
            footer="© The allotment",
        ),
    )
    assert answer.status_code == 302

    index = reader.get("/").content.decode()
    assert "<title>Allotment Notes</title>" in index
    assert 'class="site-name" href="/">Allotment Notes</a>' in index
    assert '<p class="tagline">Growing food in a small plot</p>' in index
    assert '<meta name="description" content="Growing food in a small plot">' in index
    assert "<p>Written by two gardeners.</p>" in index
    assert "© The allotment" in index
    assert "Kept post · Allotment Notes" in reader.get(post.get_absolute_url()).content.decode()
    assert "<title>Allotment Notes</title>" in reader.get(pages[2]).content.decode()
    admin_index = owner_client.get(reverse("admin:index")).content.decode()
    assert "Allotment Notes administration" in admin_index


def test_a_name_too_long_is_a_form_error(owner_client):
    answer = owner_client.post(
        reverse("admin:blog_sitesettings_change", args=[1]), settings_form(site_name="x" * 101)
    )
    assert answer.status_code == 200
    assert "Ensure this value has at most 100 characters" in answer.content.decode()
    assert SiteSettings.load().site_name == settings.SITE_NAME


@pytest.mark.parametrize("open_by_default", [True, False])
def test_a_new_post_starts_open_to_comments_as_the_owner_set(owner_client, open_by_default):
    SiteSettings.objects.filter(pk=1).update(comments_open_by_default=open_by_default)
    from blog import generations

    generations.bump(generations.POSTS)  # as a save in the admin does
    form = owner_client.get(reverse("admin:blog_post_add")).context["adminform"].form
    assert form.initial["comments_enabled"] is open_by_default


def test_the_settings_page_says_where_comments_close_by_age(owner_client):
    page = owner_client.get(reverse("admin:blog_sitesettings_change", args=[1])).content.decode()
    assert "When comments close by age is a moderation setting" in page


@pytest.mark.parametrize("role", ["editor", "author", "moderator"])
def test_only_the_owner_changes_the_site_settings(client, request, role):
    client.force_login(request.getfixturevalue(role))
    url = reverse("admin:blog_sitesettings_change", args=[1])
    assert client.post(url, settings_form(site_name="Taken over")).status_code == 403
    assert SiteSettings.load().site_name == settings.SITE_NAME


def test_settings_and_addresses_have_no_view_on_site_link(owner_client):
    """They are not public pages: the link used to lead back to the same admin form."""
    email = VerifiedEmail.objects.create(email="ann@example.com")
    for url in [
        reverse("admin:blog_sitesettings_change", args=[1]),
        reverse("admin:comments_moderationsettings_change", args=[1]),
        reverse("admin:comments_verifiedemail_change", args=[email.pk]),
    ]:
        page = owner_client.get(url)
        assert page.status_code == 200
        assert "viewsitelink" not in page.content.decode(), url
