"""Many visitors posting comments at the same moment to one SQLite file.

Run in a fresh process by tests/test_sqlite_concurrency.py, with the production settings and
DATABASE_URL pointing at a new file, so the connection options under test are the real ones.
Prints one JSON line: status codes, errors, and what the database holds afterwards.
"""

import json
import sys
import threading


def main(writers: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from comments.models import Comment
    from tests.factories import CommentFormDataFactory, PostFactory

    call_command("migrate", interactive=False, verbosity=0)
    post = PostFactory()
    url = reverse("comments:submit", kwargs={"post_id": post.pk})
    forms = [CommentFormDataFactory(post=post) for _ in range(writers)]
    start = threading.Barrier(writers)
    statuses, errors = [], []

    def visitor(i: int) -> None:
        # One address each: the per-IP rate limit is not what this measures.
        client = Client(REMOTE_ADDR=f"10.0.{i // 200}.{i % 200 + 1}")
        start.wait()
        try:
            statuses.append(client.post(url, forms[i]).status_code)
        except Exception as error:  # "database is locked" arrives as OperationalError
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    post.refresh_from_db()
    print(
        json.dumps(
            {
                "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
                "statuses": statuses,
                "errors": errors,
                "stored": Comment.objects.filter(post=post).count(),
                "pending_count": post.pending_comment_count,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
