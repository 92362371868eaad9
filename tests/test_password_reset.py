"""Forgotten passwords: asked from the admin login, mailed by the task worker, one use, an hour,
rate limited, and never telling whether an address has an account."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import USER_PASSWORD, UserFactory
from tests.test_admin_login_lockout import fail, log_in

pytestmark = pytest.mark.django_db

RESET_URL = "/admin/password_reset/"
NEW_PASSWORD = "a new passphrase 42"


@pytest.fixture
def editor():
    return UserFactory(username="eddie", email="eddie@example.com", is_staff=True)


def ask(client, email, ip="192.0.2.10"):
    return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=ip)


def reset_link(message) -> str:
    return re.search(r"https?://\S+/reset/\S+/", message.body).group(0)


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    """Follow the mailed link and send the new password twice; the final response."""
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    if form.status_code != 200 or "new_password1" not in form.content.decode():
        return form
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else "/" + path,
        {"new_password1": password, "new_password2": password},
    )


def test_the_admin_login_offers_a_password_reset(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert f'href="{RESET_URL}"' in html
    assert "Forgotten your password" in html


def test_a_reset_mail_sets_a_new_password_once(client, editor, settings):
    settings.SITE_URL = "https://blog.example.org"
    response = client.post(RESET_URL, {"email": "EDDIE@example.com"}, HTTP_HOST="localhost")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["eddie@example.com"]
    link = reset_link(message)
    assert link.startswith("https://blog.example.org/reset/"), "built on SITE_URL, not the Host"

    done = choose_password(client, link)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert log_in(client, "eddie", NEW_PASSWORD) == (True, 302)

    again = choose_password(client, link, "yet another passphrase 7")
    assert "The password reset link was invalid" in again.content.decode()
    assert log_in(client, "eddie", NEW_PASSWORD) == (True, 302)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, editor):
    known, unknown = ask(client, "eddie@example.com"), ask(client, "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [message.to for message in mail.outbox] == [["eddie@example.com"]]


def test_a_reset_link_expires_after_an_hour(client, editor):
    asked = timezone.now()
    with time_machine.travel(asked, tick=False):
        ask(client, "eddie@example.com")
    link = reset_link(mail.outbox[0])
    with time_machine.travel(asked + timedelta(hours=1, seconds=1), tick=False):
        late = choose_password(client, link)
    assert "The password reset link was invalid" in late.content.decode()
    assert log_in(client, "eddie", USER_PASSWORD) == (True, 302)


def test_asking_for_one_address_is_limited_to_three_an_hour(client, editor):
    with time_machine.travel(timezone.now(), tick=False):
        answers = [ask(client, "eddie@example.com", ip=f"192.0.2.{n}") for n in range(1, 5)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert "Too many password reset requests" in answers[-1].content.decode()
    assert len(mail.outbox) == 3


def test_one_client_is_limited_to_ten_requests_an_hour(client, editor):
    with time_machine.travel(timezone.now(), tick=False):
        answers = [ask(client, f"someone{n}@example.com") for n in range(11)]
    assert [answer.status_code for answer in answers] == [302] * 10 + [429]


@pytest.mark.django_db(transaction=True)
def test_the_mail_is_sent_by_the_task_worker_and_the_queue_holds_no_link(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory(username="eddie", email="eddie@example.com", is_staff=True)
    assert ask(client, "eddie@example.com").status_code == 302
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.ready()
    assert queued.task_path.endswith("send_password_reset")
    assert queued.args_kwargs == {"args": [], "kwargs": {"user_id": user.pk}}

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    [message] = mail.outbox
    assert "/reset/" in message.body


def test_a_reset_does_not_lift_a_login_lockout(client, editor):
    fail(client, "eddie", 5)
    ask(client, "eddie@example.com")
    choose_password(client, reset_link(mail.outbox[0]))
    assert log_in(client, "eddie", NEW_PASSWORD) == (False, 429)
