"""PostgreSQL unreachable: a friendly 503 with Retry-After, and pages again once it is back.

Each check runs a separate Django process whose DATABASE_URL points at a real socket: a port
where nothing listens, or a TCP relay to the PostgreSQL test database that the test cuts and
restores (the shared server itself is never stopped). No mocks.
"""

import contextlib
import json
import socket
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.urls import reverse

from scripts.loopback import ROOT, production_env
from scripts.loopback import free_port as port_where_nothing_listens
from tests.factories import PostFactory

# Reads request lines ("GET /path" or "POST /path") on stdin; answers one JSON line each. The
# requests go through Django's WSGI handler as under gunicorn, with its request_started and
# request_finished signals (the test Client turns off the connection checks they run).
CLIENT = """
import io, json, sys
from wsgiref.util import setup_testing_defaults
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
CSRF = "a" * 32
for line in sys.stdin:
    method, path = line.split()
    form = f"csrfmiddlewaretoken={CSRF}&body=Hello".encode()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "testserver",
               "HTTP_COOKIE": f"csrftoken={CSRF}", "wsgi.input": io.BytesIO(form),
               "CONTENT_LENGTH": str(len(form)),
               "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    setup_testing_defaults(environ)
    answer = {}
    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), retry_after=dict(headers).get("Retry-After"))
    result = app(environ, start_response)
    answer["body"] = b"".join(result).decode(errors="replace")
    result.close()
    print(json.dumps(answer), flush=True)
"""


class DjangoProcess:
    """A Django process (DEBUG off) on a given database, asked for pages one at a time."""

    def __init__(self, database_url: str):
        env = production_env(
            DATABASE_URL=database_url,
            SECRET_KEY="database-outage-test-key",
            ALLOWED_HOSTS="testserver",
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            LOG_LEVEL="CRITICAL",
            PYTHONWARNINGS="ignore",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLIENT],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def request(self, method: str, path: str) -> dict:
        self.process.stdin.write(f"{method} {path}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the Django process died"
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


class Relay:
    """A TCP relay to PostgreSQL that can be cut (listener and live connections closed) and
    restored on the same port: to the app, the database goes away and comes back."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = port_where_nothing_listens()
        self.sockets: list[socket.socket] = []
        self.listener = None
        self.start()

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.sockets = []


def assert_friendly_503(answer: dict):
    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    assert "Back in a moment" in answer["body"]
    assert "Traceback" not in answer["body"]


def test_every_page_is_a_friendly_503_with_retry_after_when_postgresql_does_not_answer():
    app = DjangoProcess(f"postgres://postgres@127.0.0.1:{port_where_nothing_listens()}/blogcms")
    try:
        for method, path in [("GET", "/"), ("GET", "/blog/some-post/"), ("GET", "/sitemap.xml")]:
            assert_friendly_503(app.request(method, path))
        assert app.request("GET", "/healthz")["status"] == 503
        # A reader sending a comment gets the same page (the text stays in their browser's form).
        assert_friendly_503(app.request("POST", reverse("comments:submit", args=[1])))
    finally:
        app.close()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (make test-postgres)"
)
@pytest.mark.django_db(transaction=True)
def test_pages_come_back_without_a_restart_when_postgresql_is_reachable_again():
    post = PostFactory()
    settings_dict = connection.settings_dict
    relay = Relay(int(settings_dict["PORT"] or 5432))
    app = DjangoProcess(
        f"postgres://{settings_dict['USER']}@127.0.0.1:{relay.port}/{settings_dict['NAME']}"
    )
    try:
        url = post.get_absolute_url()
        assert app.request("GET", "/healthz")["status"] == 200  # a connection is open
        relay.cut()
        assert_friendly_503(app.request("GET", url))
        assert app.request("GET", "/healthz")["status"] == 503
        relay.start()
        answer = app.request("GET", url)
        assert answer["status"] == 200
        assert post.title in answer["body"]
        assert app.request("GET", "/healthz")["status"] == 200
    finally:
        app.close()
        relay.cut()
