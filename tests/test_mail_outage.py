"""Mail down: the reader's comment is taken at once; the mail task fails, is recorded, retried.

The mail goes through Django's SMTP backend to a real socket: a port where nothing listens
(connection refused), or a listener that accepts and never answers (a hung mail server). Tasks
are stored by the database backend (django-tasks-db) and run by its db_worker command: in this
process for the refused case, in a separate process for the hung one. No mocks.
"""

import json
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comments.models import Comment, ModerationSettings
from scripts.loopback import ROOT, production_env
from scripts.loopback import free_port as port_where_nothing_listens
from tests.factories import CommentFormDataFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port_where_nothing_listens()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MAIL_ATTEMPTS = 3
    settings.MAIL_RETRY_DELAY = 0


@pytest.fixture
def moderator(transactional_db):
    """A moderator, with the Moderators group made again if needed: an earlier transactional test
    on the same worker (test_backups, test_database_outage...) flushed what the migrations made,
    permissions and content types included (made again as `migrate` makes them)."""
    create_permissions(django_apps.get_app_config("comments"), verbosity=0)
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="comments", codename="moderate_comment")
    )
    return UserFactory(username="moderator", is_staff=True, groups=["Moderators"])


# Committed for real (the worker checks and closes connections between tasks, as in production,
# which would end a test's enclosing transaction).
@pytest.mark.django_db(transaction=True)
def test_with_smtp_refusing_a_comment_is_accepted_stored_once_and_its_mail_retried_then_failed(
    client, refusing_smtp, moderator
):
    ModerationSettings.objects.update_or_create(pk=1, defaults={"auto_approve_trusted": True})
    post = PostFactory()
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    started = time.monotonic()
    response = client.post(
        url, CommentFormDataFactory(post=post, body="Kept although mail is down")
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2
    assert Comment.objects.filter(body="Kept although mail is down").count() == 1
    # The moderators' notice and the confirmation email wait in the database.
    queued = DBTaskResult.objects.ready()
    assert sorted(t.task_path.rsplit(".", 1)[1] for t in queued) == [
        "send_confirmation_email",
        "send_moderator_notice",
    ]

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    # Each mail was tried MAIL_ATTEMPTS times, each failure recorded, none left waiting.
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert failed.count() == 2 * 3
    assert {t.exception_class_path for t in failed} == {"builtins.ConnectionRefusedError"}
    assert not DBTaskResult.objects.ready().exists()
    assert Comment.objects.filter(body="Kept although mail is down").count() == 1


# A mail server that accepts and never answers, with the real worker in its own process.

WEB = """
import io, json, sys, time
import django
django.setup()
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from urllib.parse import urlencode
from tests.factories import CommentFormDataFactory, PostFactory, UserFactory
call_command("migrate", verbosity=0)
UserFactory(username="moderator", email="moderator@example.com", is_superuser=True)
post = PostFactory()
CSRF = "a" * 32
form = urlencode({**CommentFormDataFactory(post=post), "csrfmiddlewaretoken": CSRF}).encode()
environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/comments/post/{post.pk}/",
           "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(form), "wsgi.errors": sys.stderr,
           "HTTP_COOKIE": f"csrftoken={CSRF}", "CONTENT_LENGTH": str(len(form)),
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "REMOTE_ADDR": "127.0.0.1"}
answer = {}
started = time.monotonic()
result = get_wsgi_application()(environ, lambda status, headers, exc=None: answer.update(
    status=int(status.split()[0])))
b"".join(result)
result.close()
answer["seconds"] = time.monotonic() - started
print(json.dumps(answer))
"""


def test_with_smtp_never_answering_the_post_returns_fast_and_the_worker_times_out(tmp_path):
    listener = socket.socket()  # accepts (the kernel's backlog) and never says a word
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    database = tmp_path / "db.sqlite3"
    env = production_env(
        without={"REDIS_URL", "DATABASE_URL"},
        SECRET_KEY="mail-outage-test-key",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{database}",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        TASKS_BACKEND="database",
        EMAIL_URL=f"smtp://127.0.0.1:{listener.getsockname()[1]}",
        EMAIL_TIMEOUT="1",
        MAIL_ATTEMPTS="1",
        LOG_LEVEL="CRITICAL",
        PYTHONWARNINGS="ignore",
    )
    try:
        web = subprocess.run(
            [sys.executable, "-c", WEB], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert web.returncode == 0, web.stderr[-3000:]
        answer = json.loads(web.stdout.strip().splitlines()[-1])
        assert answer["status"] == 302
        assert answer["seconds"] < 2

        worker = subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert worker.returncode == 0, worker.stderr[-3000:]
    finally:
        listener.close()
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT status, traceback, julianday(finished_at) - julianday(started_at)"
            " FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    assert rows, "no mail task was queued"
    assert {status for status, _, _ in rows} == {"FAILED"}
    assert all("timed out" in traceback for _, traceback, _ in rows)
    # Each mail gave up after EMAIL_TIMEOUT (1 s): slow, but no hang.
    assert all(1 <= days * 86400 < 6 for _, _, days in rows)


def test_the_editors_review_notice_is_a_task_too_not_mail_sent_in_the_request(
    settings, author, editor, django_capture_on_commit_callbacks
):
    from django.core import mail

    from blog import workflow

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    post = PostFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.notify_after(post=post, action="submit", request_user=author)
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.ready()
    assert queued.task_path == "blog.tasks.send_workflow_notice"
