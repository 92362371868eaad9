"""Admin login brute force: 5 wrong passwords lock that username at that address for 15 min."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import USER_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"


@pytest.fixture
def editor_user():
    return UserFactory(username="eddie", is_staff=True, groups=["Editors"])


def log_in(client, username, password, ip=ATTACKER_IP):
    """POST the admin login form from `ip`; True when it opened a session."""
    client.logout()
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )
    logged_in = "_auth_user_id" in client.session
    assert response.status_code in (200, 302, 429)
    return logged_in, response.status_code


def fail(client, username, times, ip=ATTACKER_IP) -> list[int]:
    """Send `times` wrong passwords; the status codes answered (the fifth is the lockout's 429)."""
    results = [log_in(client, username, "wrong password", ip) for _ in range(times)]
    assert not any(logged_in for logged_in, _ in results)
    return [status for _, status in results]


def test_the_right_password_logs_in_after_four_failures(client, editor_user):
    assert fail(client, "eddie", 4) == [200, 200, 200, 200]
    assert log_in(client, "eddie", USER_PASSWORD) == (True, 302)


def test_five_wrong_passwords_then_the_right_one_is_refused(client, editor_user):
    assert fail(client, "eddie", 5) == [200, 200, 200, 200, 429]
    logged_in, status = log_in(client, "eddie", USER_PASSWORD)
    assert (logged_in, status) == (False, 429)
    assert client.get(reverse("admin:index")).status_code == 302  # to the login page


def test_a_lockout_leaves_other_users_and_other_addresses_alone(client, editor_user):
    UserFactory(username="mo", is_staff=True, groups=["Moderators"])
    fail(client, "eddie", 5)
    assert log_in(client, "eddie", USER_PASSWORD) == (False, 429)
    assert log_in(client, "mo", USER_PASSWORD, ip=ATTACKER_IP) == (True, 302)
    assert log_in(client, "eddie", USER_PASSWORD, ip=OTHER_IP) == (True, 302)


def test_the_lockout_ends_fifteen_minutes_after_the_last_failure(client, editor_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "eddie", 5)
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert log_in(client, "eddie", USER_PASSWORD) == (True, 302)


def test_trying_again_during_the_lockout_starts_the_fifteen_minutes_again(client, editor_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "eddie", 5)
    retry = start + timedelta(minutes=14)
    with time_machine.travel(retry, tick=False):
        assert log_in(client, "eddie", USER_PASSWORD) == (False, 429)
    with time_machine.travel(retry + timedelta(minutes=14, seconds=59), tick=False):
        assert log_in(client, "eddie", USER_PASSWORD) == (False, 429)  # and starts them again
    with time_machine.travel(retry + timedelta(minutes=30), tick=False):
        assert log_in(client, "eddie", USER_PASSWORD) == (True, 302)


def test_login_behind_a_declared_proxy_locks_the_client_address_not_the_proxys(
    client, editor_user, settings
):
    settings.COMMENT_TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    for _ in range(5):
        client.post(
            reverse("admin:login"),
            {"username": "eddie", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP=ATTACKER_IP,
        )
    refused = client.post(
        reverse("admin:login"),
        {"username": "eddie", "password": USER_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP=ATTACKER_IP,
    )
    assert refused.status_code == 429
    allowed = client.post(
        reverse("admin:login"),
        {"username": "eddie", "password": USER_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP=OTHER_IP,
    )
    assert allowed.status_code == 302
