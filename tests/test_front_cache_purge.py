"""Every cacheable answer names what it is built from, and each write that commits sends exactly
those names to the configured front caches (blog.generations): Cloudflare's and Fastly's purge
APIs and Varnish's xkey purge, here a local HTTP server that records the calls. A front cache
that is down or refuses is logged; the write stands.

The real Varnish with deploy/varnish.vcl is in tests/test_varnish.py."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from blog.models import Post
from comments.models import Comment
from comments.services import moderate
from scripts.loopback import free_port
from tests.factories import CommentFactory, CommentFormDataFactory, PostFactory, UserFactory
from tests.test_settings import printing, run_django

pytestmark = pytest.mark.django_db


class FrontCacheAPI(ThreadingHTTPServer):
    """A stand-in for a front cache's purge endpoint: records each call, answers `reply`."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.calls = []
        self.status, self.reply = 200, {"success": True, "errors": []}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(BaseHTTPRequestHandler):
    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if not self.parse_request():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.calls.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "json": json.loads(body) if body else None,
            }
        )
        reply = json.dumps(self.server.reply).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = FrontCacheAPI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def cloudflare(api, settings):
    settings.FRONT_CACHES = ["cloudflare"]
    settings.CLOUDFLARE_API_URL = api.url + "/client/v4"
    settings.CLOUDFLARE_ZONE_ID = "zone123"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    return api


@pytest.fixture
def fastly(api, settings):
    settings.FRONT_CACHES = ["fastly"]
    settings.FASTLY_API_URL = api.url
    settings.FASTLY_SERVICE_ID = "svc456"
    settings.FASTLY_API_TOKEN = "fastly-token"
    return api


@pytest.fixture
def post():
    return PostFactory(title="First light", slug="first-light", tags=["sky"])


def purged_tags(api) -> list[list[str]]:
    return [call["json"]["tags"] for call in api.calls]


@pytest.mark.parametrize(
    ("url", "keys"),
    [
        ("/", "posts listings"),
        ("/blog/tag/sky/", "posts listings"),
        ("/blog/feed/", "posts"),
        ("/sitemap.xml", "posts"),
        ("/comments/post/{pk}/feed/", "posts post-comments-{pk}"),
        ("/blog/first-light/", "posts comment-rules post-page-first-light"),
    ],
)
def test_each_answer_names_what_it_is_built_from_for_every_kind_of_front_cache(
    client, post, url, keys
):
    keys = keys.format(pk=post.pk)
    for answer in (client.get(url.format(pk=post.pk)), client.get(url.format(pk=post.pk))):
        assert answer.status_code == 200
        assert answer["Surrogate-Key"] == keys  # Fastly, Varnish (xkey)
        assert answer["Cache-Tag"] == keys.replace(" ", ",")  # Cloudflare


def test_a_page_built_for_a_logged_in_reader_names_no_keys(post):
    reader = Client()
    reader.force_login(UserFactory())
    answer = reader.get("/")
    assert answer["Cache-Control"] == "private, no-cache"
    assert "Surrogate-Key" not in answer and "Cache-Tag" not in answer


def test_approving_a_comment_asks_cloudflare_to_purge_that_posts_page_feed_and_the_lists(
    cloudflare, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = CommentFactory(post=post)
    cloudflare.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=Comment.Status.APPROVED,
            moderator=None,
            via="page",
        )
    assert cloudflare.calls == [
        {
            "method": "POST",
            "path": "/client/v4/zones/zone123/purge_cache",
            "headers": cloudflare.calls[0]["headers"],
            "json": {"tags": [f"post-comments-{post.pk}", "post-page-first-light", "listings"]},
        }
    ]
    headers = cloudflare.calls[0]["headers"]
    assert headers["authorization"] == "Bearer cf-token"
    assert headers["content-type"] == "application/json"


def test_a_pending_comment_and_rejecting_it_purge_nothing(
    cloudflare, post, client, django_capture_on_commit_callbacks
):
    # No public page shows a pending, rejected or spam comment: purging for one would let a
    # flood of spam empty every front cache.
    data = CommentFormDataFactory(post=post, body="A pending thought, never public.")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("comments:submit", args=[post.pk]), data).status_code == 302
    comment = Comment.objects.get(body="A pending thought, never public.")
    assert comment.status == Comment.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=Comment.Status.REJECTED,
            moderator=None,
            via="page",
        )
    assert cloudflare.calls == []
    post.refresh_from_db()
    assert post.pending_comment_count == 0  # the counts are kept all the same


def test_nothing_is_purged_before_the_write_commits(cloudflare, post):
    comment = CommentFactory(post=post)
    cloudflare.calls.clear()
    moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="page",
    )
    assert cloudflare.calls == []  # the test's transaction never commits


def test_publishing_a_post_asks_fastly_to_purge_everything_built_from_posts(
    fastly, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = PostFactory(draft=True)
    fastly.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Post.objects.filter(pk=draft.pk).publish()
    [call] = fastly.calls
    assert (call["method"], call["path"]) == ("POST", "/service/svc456/purge")
    assert call["headers"]["fastly-key"] == "fastly-token"
    assert call["json"] == {"surrogate_keys": ["posts"]}


def test_varnish_gets_an_xkey_purge_on_every_configured_server(
    api, settings, post, django_capture_on_commit_callbacks
):
    settings.FRONT_CACHES = ["varnish"]
    settings.VARNISH_URLS = [api.url, api.url + "/"]
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "First light, edited"
        post.save()
    assert [(call["method"], call["path"], call["headers"]["xkey"]) for call in api.calls] == [
        ("PURGE", "/", "posts"),
        ("PURGE", "/", "posts"),
    ]


def test_a_transaction_of_many_writes_sends_one_purge_with_each_key_once(
    cloudflare, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        posts = PostFactory.create_batch(3)
        for post in posts:
            CommentFactory(post=post, status=Comment.Status.APPROVED)
    expected = ["posts"]
    for post in posts:
        expected += [f"post-comments-{post.pk}", f"post-page-{post.slug}", "listings"]
    assert purged_tags(cloudflare) == [list(dict.fromkeys(expected))]


def test_a_rolled_back_transaction_purges_nothing(
    cloudflare, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            CommentFactory(post=post, status=Comment.Status.APPROVED)
            raise RuntimeError("changed my mind")
        PostFactory()
    assert purged_tags(cloudflare) == [["posts"]]
    assert not Comment.objects.exists()


def test_many_keys_go_to_cloudflare_thirty_a_call(cloudflare, django_capture_on_commit_callbacks):
    from blog import generations

    scopes = [generations.post_comments(pk) for pk in range(70)]
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump(*scopes)
    assert [len(tags) for tags in purged_tags(cloudflare)] == [30, 30, 10]
    assert sum(purged_tags(cloudflare), []) == [f"post-comments-{pk}" for pk in range(70)]


def test_a_front_cache_that_is_down_is_logged_and_the_write_stands(
    settings, post, caplog, django_capture_on_commit_callbacks
):
    settings.FRONT_CACHES = ["varnish"]
    settings.VARNISH_URLS = [f"http://127.0.0.1:{free_port()}"]  # nothing listens there
    comment = CommentFactory(post=post)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=Comment.Status.APPROVED,
            moderator=None,
            via="page",
        )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert "Could not purge" in caplog.text and "varnish" in caplog.text


def test_a_purge_cloudflare_refuses_is_logged_with_its_errors(
    cloudflare, post, caplog, django_capture_on_commit_callbacks
):
    cloudflare.reply = {"success": False, "errors": [{"code": 1134, "message": "Not entitled"}]}
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        post.save()
    assert "Could not purge ['posts'] from the front cache cloudflare" in caplog.text
    assert "Not entitled" in caplog.text


def test_an_http_error_from_fastly_is_logged(
    fastly, post, caplog, django_capture_on_commit_callbacks
):
    fastly.status = 401
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        post.save()
    assert "Could not purge ['posts'] from the front cache fastly" in caplog.text
    assert "401" in caplog.text


def test_with_no_front_cache_configured_no_purge_is_queued(
    api, post, django_capture_on_commit_callbacks, settings
):
    assert settings.FRONT_CACHES == []
    with django_capture_on_commit_callbacks(execute=True):
        post.save()
    assert api.calls == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FRONT_CACHES": "varnish,akamai"}, "FRONT_CACHES names 'akamai'"),
        (
            {"FRONT_CACHES": "cloudflare", "CLOUDFLARE_ZONE_ID": "z"},
            "FRONT_CACHES names cloudflare, which needs CLOUDFLARE_API_TOKEN",
        ),
        ({"FRONT_CACHES": "fastly"}, "needs FASTLY_SERVICE_ID, FASTLY_API_TOKEN"),
    ],
)
def test_a_front_cache_named_wrongly_or_without_its_credentials_stops_start_up(env, message):
    run = run_django(printing("s.FRONT_CACHES"), SECRET_KEY="x", **env)
    assert run.returncode != 0
    assert message in run.stderr


def test_front_caches_are_read_from_the_environment():
    run = run_django(
        printing("s.FRONT_CACHES", "s.VARNISH_URLS"),
        SECRET_KEY="x",
        FRONT_CACHES="varnish,fastly",
        FASTLY_SERVICE_ID="s",
        FASTLY_API_TOKEN="t",
        VARNISH_URLS="http://10.0.0.5:6081,http://10.0.0.6:6081",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[0] == (
        "['varnish', 'fastly'] ['http://10.0.0.5:6081', 'http://10.0.0.6:6081']"
    )
