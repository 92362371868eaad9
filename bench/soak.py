"""bench/soak: readers, commenters and a moderator against gunicorn + PostgreSQL + Redis + the
mail task worker, for minutes; then every comment that got a success answer is looked up.

    .venv/bin/python bench/soak.py      (or: make bench-soak; SOAK_SECONDS=60 for a short run)

Builds the throwaway PostgreSQL database `blogcms_soak` (BENCH_POSTGRES_SERVER, default the
server at 127.0.0.1:5432), uses Redis at SOAK_REDIS_URL (default redis://127.0.0.1:6379/10)
under a key prefix of its own (deleted afterwards; nothing is flushed), starts gunicorn
(SOAK_WORKERS sync workers, default 4) on 127.0.0.1:SOAK_PORT (default 9050) with the database
task backend, and `manage.py db_worker` sending the mail to a dummy backend. Then
SOAK_CONNECTIONS threads (default 64) run for SOAK_SECONDS (default 300): one moderator
approving the pending queue through the admin, a quarter commenters (read the post page, post a
comment with a unique marker), the rest readers (index, posts, tags, feed). Loopback only.

Prints requests, requests/s, p50/p99, 5xx and other failures, and comments accepted (answered
302) against stored (each marker found in the database exactly once). Exits 1 on any 5xx, any
accepted comment not stored exactly once, or any mail task left failed. Figures, not a test.
"""

import http.cookiejar
import itertools
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("SOAK_PORT", "9050"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("SOAK_SECONDS", "300"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "64"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE = "blogcms_soak"
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/10")
PREFIX = f"soak-{os.getpid()}"
PASSWORD = "soak-not-a-secret"


def environment() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"{POSTGRES_SERVER}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": PREFIX,
        "SECRET_KEY": "soak-not-a-secret-key",
        "DEBUG": "false",
        "ENV_FILE": "",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "COMMENT_RATE_LIMIT": "1000000/s",  # every commenter posts from 127.0.0.1
        "COMMENT_MIN_SECONDS": "0",
        "TASKS_BACKEND": "database",
        "EMAIL_URL": "dummymail://",
        "COMMENT_MODERATOR_EMAILS": "moderator@example.com",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    return env


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{POSTGRES_SERVER}/postgres", "-q", "-c", sql], check=True, capture_output=True
    )


FILL = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from bench import scenarios
call_command("migrate", interactive=False, verbosity=0)
admin = get_user_model()._default_manager.create_superuser("soak-admin", "a@example.com", "%s")
scenarios.add_index_posts(author=admin, upto=10)
seed = scenarios.import_seed_post(author=admin)
scenarios.add_threaded_comments(seed, count=50)
"""

CHECK = """
import json, sys
import django
django.setup()
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from comments.models import Comment
markers = json.load(sys.stdin)
counts = dict(Comment.objects.filter(body__startswith="soak-").values_list("body")
              .annotate(n=Count("pk")).values_list("body", "n"))
tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")))
print(json.dumps({"stored": counts, "tasks": tasks,
                  "approved": Comment.objects.filter(body__startswith="soak-").approved().count()}))
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.accepted: list[str] = []
        self.refused = 0
        self.approved = 0
        self.errors = 0

    def record(self, status: int, seconds: float):
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    return opener, jar


def fetch(opener, stats: Stats, url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(BASE + url, data=body)
    if data is not None:
        request.add_header("Referer", BASE + url)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=60) as response:
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    except OSError:
        with stats.lock:
            stats.errors += 1
        return 0, ""
    stats.record(status, time.monotonic() - started)
    return status, text


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def reader(stop, stats, urls):
    opener, _ = browser()
    while not stop.is_set():
        fetch(opener, stats, random.choice(urls))


def commenter(stop, stats, posts, counter):
    opener, _ = browser()
    while not stop.is_set():
        post = random.choice(posts)
        status, html = fetch(opener, stats, post)
        action = re.search(r'<form[^>]+action="(/comments/post/[^"#]+)', html)
        if status != 200 or not action:
            continue
        # The stamp of the page just read: the post's, good on that post only.
        marker = f"soak-{next(counter)}"
        form = {
            "stamp": hidden(html, "stamp"),
            "author_name": "Soak Tester",
            "author_email": f"{marker}@example.com",
            "author_url": "",
            "honeypot": "",
            "body": marker,
        }
        status, _ = fetch(opener, stats, action.group(1), form)
        with stats.lock:
            if status == 302:
                stats.accepted.append(marker)
            else:
                stats.refused += 1


def moderator(stop, stats):
    opener, _ = browser()
    _, html = fetch(opener, stats, "/admin/login/")
    login = {"csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken"), "next": "/admin/"}
    fetch(opener, stats, "/admin/login/", {**login, "username": "soak-admin", "password": PASSWORD})
    queue = "/admin/comments/comment/?status__exact=pending"
    while not stop.is_set():
        status, html = fetch(opener, stats, queue)
        ids = re.findall(r'name="_selected_action" value="(\d+)"', html)
        if status == 200 and ids:
            form = {
                "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken"),
                "action": "approve_selected",
                "_selected_action": ids,
                "index": "0",
            }
            body = urllib.parse.urlencode(form, doseq=True)
            request = urllib.request.Request(BASE + queue, data=body.encode())
            request.add_header("Referer", BASE + queue)
            started = time.monotonic()
            try:
                with opener.open(request, timeout=60) as response:
                    code = response.status
            except urllib.error.HTTPError as error:
                code = error.code
            stats.record(code, time.monotonic() - started)
            if code in (200, 302):
                with stats.lock:
                    stats.approved += len(ids)
        stop.wait(1)


def wait_for(url: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def main() -> int:
    import json

    env = environment()
    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    processes = []
    try:
        print(f"Building {DATABASE}...", flush=True)
        subprocess.run([sys.executable, "-c", FILL % PASSWORD], env=env, cwd=ROOT, check=True)
        gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi"]
        gunicorn += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{PORT}"]
        gunicorn += ["--no-control-socket", "--timeout", "30"]
        processes.append(subprocess.Popen(gunicorn, env=env, cwd=ROOT))
        worker = [sys.executable, "manage.py", "db_worker", "--interval", "0.5"]
        processes.append(subprocess.Popen(worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL))
        wait_for(BASE + "/healthz")
        index = urllib.request.urlopen(BASE + "/", timeout=10).read().decode()
        posts = sorted(
            set(re.findall(r'href="(/blog/(?!tag/|feed|search|author/|\d{4}/)[^"/]+/)"', index))
        )
        tags = sorted(set(re.findall(r'href="(/blog/tag/[^"]+/)"', index)))
        urls = ["/", "/blog/feed/", *posts, *tags]
        print(
            f"{len(posts)} posts, {len(tags)} tags; {CONNECTIONS} connections for {SECONDS} s "
            f"against gunicorn ({WORKERS} workers) on {BASE}",
            flush=True,
        )

        stats, stop, counter = Stats(), threading.Event(), itertools.count()
        commenters = max(1, CONNECTIONS // 4)
        threads = [threading.Thread(target=moderator, args=(stop, stats))]
        threads += [
            threading.Thread(target=commenter, args=(stop, stats, posts, counter))
            for _ in range(commenters)
        ]
        threads += [
            threading.Thread(target=reader, args=(stop, stats, urls))
            for _ in range(CONNECTIONS - 1 - commenters)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started
        time.sleep(3)  # the worker drains the last mail tasks

        check = subprocess.run(
            [sys.executable, "-c", CHECK],
            env=env,
            cwd=ROOT,
            check=True,
            input=json.dumps(stats.accepted),
            capture_output=True,
            text=True,
        )
        found = json.loads(check.stdout)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        psql(f"DROP DATABASE IF EXISTS {DATABASE}")
        delete_keys()

    stored = found["stored"]
    not_once = [m for m in stats.accepted if stored.get(m) != 1]
    unanswered_stored = len(set(stored) - set(stats.accepted))
    requests = len(stats.latencies)
    server_errors = sum(n for status, n in stats.statuses.items() if status >= 500)
    print(f"\nrequests            {requests} in {elapsed:.0f} s ({requests / elapsed:.1f}/s)")
    print(
        f"latency p50 / p99   {percentile(stats.latencies, 0.5) * 1000:.0f} ms / "
        f"{percentile(stats.latencies, 0.99) * 1000:.0f} ms"
    )
    print(f"status counts       {dict(sorted(stats.statuses.items()))}")
    print(f"5xx                 {server_errors}")
    print(f"connection errors   {stats.errors}")
    print(f"comments accepted   {len(stats.accepted)} (answered 302); refused {stats.refused}")
    print(
        f"comments stored     {sum(stored.values())} "
        f"(accepted and stored exactly once: {len(stats.accepted) - len(not_once)}; "
        f"not exactly once: {len(not_once)}; stored without a 302 seen: {unanswered_stored})"
    )
    print(
        f"approved by the moderator: {found['approved']} (admin actions covered {stats.approved})"
    )
    print(f"mail tasks          {found['tasks']}")
    ok = not server_errors and not not_once and not found["tasks"].get("FAILED")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def delete_keys():
    try:
        import redis
    except ImportError:
        return
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{PREFIX}*", count=1000))
    if keys:
        client.delete(*keys)


if __name__ == "__main__":
    sys.exit(main())
