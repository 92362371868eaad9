"""How much of the project a request runs: an anonymous GET of a post page that misses the page
cache, a new comment's POST, and a moderator's one-click approve from the queue.

Run from the project root:

    .venv/bin/python bench/files_touched.py [--functions]

On a throwaway SQLite database (a post with a few approved comments), it reads the post page
once (every cache filled, the middleware loaded), then profiles (sys.setprofile) one anonymous
GET of the same post's `?cpage=1`: another page cache key, the same fragments. It prints the
project's Python files (blog/, comments/, core/, config/) that request called into and how many
calls that was, and the same for a request with every cache emptied first. Then a reader's new
comment (the form shown a minute before) and a moderator approving it from the queue (the row
button's fetch), each with its SQL query count.
"""

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = ("blog", "comments", "core", "config", "images")
BY_FUNCTION = "--functions" in sys.argv  # count file:function pairs, to see what each file does


def configure(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        SECRET_KEY="files-touched",
        DEBUG="false",
        ENV_FILE="",
        ALLOWED_HOSTS="testserver",
        SECURE_COOKIES="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    import django

    django.setup()


def project_file(filename: str) -> str | None:
    path = Path(filename)
    if not path.is_absolute() or ROOT not in path.parents:
        return None
    relative = path.relative_to(ROOT)
    return str(relative) if relative.parts[0] in PROJECT_DIRS else None


def profiled_get(client, url: str, method: str = "get", **kwargs) -> tuple[int, Counter]:
    calls: Counter = Counter()

    def profile(frame, event, arg):
        if event == "call":
            name = project_file(frame.f_code.co_filename)
            if name is not None:
                calls[f"{name}:{frame.f_code.co_name}" if BY_FUNCTION else name] += 1

    sys.setprofile(profile)
    try:
        status = getattr(client, method)(url, **kwargs).status_code
    finally:
        sys.setprofile(None)
    return status, calls


def report(title: str, status: int, calls: Counter, queries: int | None = None) -> None:
    counted = "" if queries is None else f", {queries} queries"
    files = {name.split(":")[0] for name in calls}
    print(
        f"{title}: HTTP {status}, {len(files)} project files, {sum(calls.values())} calls{counted}"
    )
    for name, count in sorted(calls.items()):
        print(f"  {count:5d}  {name}")


def main() -> int:
    handle, path = tempfile.mkstemp(prefix="files_touched_", suffix=".sqlite3")
    os.close(handle)
    try:
        configure(f"sqlite:///{path}")
        from django.core.cache import caches
        from django.core.management import call_command
        from django.test import Client

        from tests.factories import CommentFactory, PostFactory

        call_command("migrate", verbosity=0)
        post = PostFactory(title="Files touched", body="A post.\n\nWith two paragraphs.")
        CommentFactory.create_batch(3, post=post, approved=True)
        url = post.get_absolute_url()
        client = Client()
        client.get(url)  # imports done, middleware loaded, every cache filled
        client.cookies.clear()  # an anonymous reader: whatever that answer set is not sent
        status, calls = profiled_get(client, url + "?cpage=1")
        report("anonymous GET, page cache miss (fragments kept)", status, calls)
        for alias in caches:
            caches[alias].clear()
        client.cookies.clear()
        status, calls = profiled_get(client, url)
        report("anonymous GET, every cache empty", status, calls)
        post_a_comment_then_approve_it(post)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    return 0


def post_a_comment_then_approve_it(post) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from comments.models import Comment
    from tests.factories import CommentFormDataFactory, UserFactory

    submit = reverse("comments:submit", kwargs={"post_id": post.pk})
    # Warm-up, as a running server is: the view's imports, and the text folding's table of
    # Unicode confusables, which each process reads once, at its first comment.
    Client().post(submit, data=CommentFormDataFactory(post=post, body="A first comment."))
    reader = Client()
    with CaptureQueriesContext(connection) as queries:
        status, calls = profiled_get(reader, submit, "post", data=CommentFormDataFactory(post=post))
    report("a new comment's POST", status, calls, len(queries))

    moderator = Client()
    moderator.force_login(UserFactory(username="mod", is_staff=True, groups=["Moderators"]))
    moderator.get(reverse("admin:comments_comment_changelist"))  # warm-up
    pending = Comment.objects.pending().latest("pk")
    approve = reverse("admin:comments_comment_approve", args=[pending.pk]) + "?from=queue"
    headers = {"Accept": "application/json"}
    with CaptureQueriesContext(connection) as queries:
        status, calls = profiled_get(moderator, approve, "post", headers=headers)
    report("a moderator's one-click approve (queue row)", status, calls, len(queries))


if __name__ == "__main__":
    sys.exit(main())
