"""deploy/varnish.vcl for real: Debian's Varnish 7 with the xkey vmod, started on loopback in
front of the test server, keeps the public pages and forgets exactly what a write changed.

The app purges through blog.generations (FRONT_CACHES=varnish) once each write commits:
approving a comment drops that post's page and comment feed (and the lists, whose counts
changed), never another post's; publishing a post drops everything built from posts. Requests
with a session never share a page. scripts/ensure-varnish installs Varnish as root; otherwise
the tests are skipped with its one line saying what to install.
"""

import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest

from comments.models import Comment
from comments.services import moderate
from scripts.loopback import free_port
from tests.factories import CommentFactory, PostFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
VCL = ROOT / "deploy" / "varnish.vcl"
VARNISHD = "/usr/sbin/varnishd"


@pytest.fixture(scope="module")
def varnish_installed():
    ensured = subprocess.run(
        [str(ROOT / "scripts" / "ensure-varnish")], capture_output=True, text=True, timeout=600
    )
    if ensured.returncode != 0:
        pytest.skip(ensured.stderr.strip())


def adapted_vcl(app_port: int) -> str:
    """deploy/varnish.vcl with its backend on the test server's port."""
    text = VCL.read_text()
    backend = '.port = "8000";'
    assert text.count(backend) == 1, "deploy/varnish.vcl no longer has its EDIT backend port"
    return text.replace(backend, f'.port = "{app_port}";')


@pytest.fixture
def varnish(varnish_installed, live_server, settings, tmp_path):
    """varnishd in front of live_server, on a free loopback port; the app purges it."""
    app_port = int(live_server.url.rsplit(":", 1)[1])
    port = free_port()
    vcl = tmp_path / "varnish.vcl"
    vcl.write_text(adapted_vcl(app_port))
    log = tmp_path / "varnishd.log"
    # -j none: no privilege separation, so a root run can use this temporary folder too.
    command = [VARNISHD, "-F", "-j", "none", "-a", f"127.0.0.1:{port}", "-f", str(vcl)]
    command += ["-n", str(tmp_path / "varnish"), "-s", "malloc,32m"]
    # Under `make test-later` libfaketime and varnishd's allocator clash: Varnish keeps the real
    # clock (what it keeps a page for, s-maxage, is relative anyway).
    env = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60  # the VCL is compiled with gcc first
        while True:
            assert process.poll() is None, f"varnishd exited:\n{log.read_text()[-3000:]}"
            try:
                get(port, "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, f"varnishd did not start:\n{log.read_text()}"
                time.sleep(0.2)
        settings.FRONT_CACHES = ["varnish"]
        settings.VARNISH_URLS = [f"http://127.0.0.1:{port}"]
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(port: int, path: str, method: str = "GET", headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read().decode()
    finally:
        connection.close()


def cache_status(port: int, path: str, headers: dict | None = None) -> str:
    status, answer, _ = get(port, path, headers=headers)
    assert status == 200, f"{path} answered {status}"
    return answer["X-Cache"]


@pytest.fixture
def site(varnish):
    author = UserFactory()
    shown = PostFactory(title="The post that gets a comment", author=author)
    other = PostFactory(title="Another post", author=author)
    comment = CommentFactory(post=shown, body="Approved through Varnish.")
    pages = {
        "index": "/",
        "feed": "/blog/feed/",
        "shown page": shown.get_absolute_url(),
        "shown feed": f"/comments/post/{shown.pk}/feed/",
        "other page": other.get_absolute_url(),
        "other feed": f"/comments/post/{other.pk}/feed/",
    }
    return varnish, pages, comment


@pytest.mark.parametrize("page", ["index", "shown page"])
def test_a_public_page_is_a_miss_then_a_hit_served_by_varnish(site, page):
    port, pages, _ = site
    _, first, _ = get(port, pages[page])
    _, second, body = get(port, pages[page])
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert len(first["X-Varnish"].split()) == 1
    assert len(second["X-Varnish"].split()) == 2  # this request's id and the stored object's
    assert int(second["Age"]) >= 0
    assert "The post that gets a comment" in body
    assert "posts" in second["Surrogate-Key"].split()  # left for a CDN in front
    assert "Set-Cookie" not in second and "xkey" not in second


def test_approving_a_comment_purges_its_posts_pages_and_the_lists_only(site):
    port, pages, comment = site
    for path in pages.values():
        cache_status(port, path)
    assert {name: cache_status(port, path) for name, path in pages.items()} == dict.fromkeys(
        pages, "HIT"
    )

    moderate(
        comments=Comment.objects.filter(pk=comment.pk),
        status=Comment.Status.APPROVED,
        moderator=None,
        via="page",
    )

    assert {name: cache_status(port, path) for name, path in pages.items()} == {
        "index": "MISS",  # its comment counts changed
        "feed": "HIT",
        "shown page": "MISS",
        "shown feed": "MISS",
        "other page": "HIT",
        "other feed": "HIT",
    }
    for page in ("shown page", "shown feed"):
        _, _, body = get(port, pages[page])
        assert "Approved through Varnish." in body


def test_publishing_a_post_purges_every_page_built_from_posts(site):
    port, pages, comment = site
    draft = PostFactory(title="Published through Varnish", draft=True)
    for path in pages.values():
        cache_status(port, path)

    draft.status = draft.Status.PUBLISHED
    draft.save()

    assert {name: cache_status(port, path) for name, path in pages.items()} == dict.fromkeys(
        pages, "MISS"
    )
    _, _, index = get(port, pages["index"])
    assert "Published through Varnish" in index


@pytest.mark.parametrize("page", ["index", "shown page"])
def test_a_request_with_a_session_or_messages_cookie_is_never_served_from_varnish(site, page):
    port, pages, _ = site
    cache_status(port, pages[page])
    for cookie in ("sessionid=abc", "csrftoken=x; messages=y"):
        statuses = [cache_status(port, pages[page], {"Cookie": cookie}) for _ in range(2)]
        assert statuses == ["PASS", "PASS"]
    assert cache_status(port, pages[page], {"Cookie": "csrftoken=x; _ga=1"}) == "HIT"


def test_varnish_purges_only_by_key_and_tells_how_many(site):
    port, pages, _ = site
    cache_status(port, pages["other feed"])
    status, _, _ = get(port, "/", method="PURGE")
    assert status == 400
    status, answer, body = get(port, "/", method="PURGE", headers={"xkey": "no-such-key"})
    assert status == 200 and "Purged 0 objects" in body
    assert cache_status(port, pages["other feed"]) == "HIT"
