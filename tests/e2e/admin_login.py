"""Staff users and the admin's login form, in a real browser: one copy for the e2e tests."""

from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from tests.factories import USER_PASSWORD, UserFactory


def staff_in(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def log_in_to_admin(page: Page, live_server, user) -> None:
    """Log `user` in through the admin's login form, as a person would."""
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
