"""bench/load: gunicorn (2 sync workers) on loopback, loaded with wrk; figures against the ceiling.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16]      (or: make bench-load)

It builds a throwaway SQLite database (the demo's seed post with 50 approved comments and 10
other posts), starts gunicorn on 127.0.0.1:8950, and runs wrk for a fixed time against:
the ceiling (a bare Django view returning the seed post page's bytes, same server, same
middleware), the index and the seed post from the page cache, comment submission (as a reader
sends one: each POST spends the stamp of a GET of the seed post page, since a stamp is good for
one comment; the row's req/s counts comments, its p50/p99 both kinds of request), and then,
with the page cache off (PAGE_CACHE_SECONDS=0, a restarted server), the index and the seed post
again. It prints requests/s, p50, p99, errors and the ratio to the ceiling, and the budgets:
cached post page >= 0.8 of the ceiling, uncached >= 0.3, no errors. Figures, not a test.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8950"))
BASE = f"http://127.0.0.1:{PORT}"
BUDGETS = {"seed post, cached": 0.8, "seed post, uncached": 0.3}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fill", help=argparse.SUPPRESS)  # internal: fill this database
    args = parser.parse_args(argv)
    if args.fill:
        return fill()
    wrk = shutil.which("wrk") or ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="blogcms_load_") as tmp:
        env = environment(Path(tmp))
        subprocess.run([sys.executable, __file__, "--fill", "yes"], env=env, check=True)
        seed = (Path(tmp) / "seed-url").read_text().strip()
        rows = measure(wrk, env, seed, args)
    report(rows, args)
    return 0


def ensure_wrk() -> str:
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        return shutil.which("wrk")
    sys.exit("bench/load needs wrk: run `apt-get install wrk` as root.")


def environment(tmp: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "SECRET_KEY": "bench-not-a-secret",
        "DEBUG": "false",
        "ENV_FILE": "",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "COMMENT_RATE_LIMIT": "100000/s",  # wrk posts from one address
        "COMMENT_MIN_SECONDS": "0",
        "BENCH_CEILING_FILE": str(tmp / "ceiling.html"),
        "BENCH_TMP": str(tmp),
    }
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):  # local memory cache, local media
        env.pop(name, None)
    return env


def fill() -> int:
    """In a child process with the bench environment: migrate and build the data."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from bench import scenarios

    call_command("migrate", interactive=False, verbosity=0)
    admin = scenarios.make_superuser()
    scenarios.add_index_posts(author=admin, upto=10)
    seed = scenarios.import_seed_post(author=admin)
    scenarios.add_threaded_comments(seed, count=50)
    (Path(os.environ["BENCH_TMP"]) / "seed-url").write_text(seed.get_absolute_url())
    return 0


class Server:
    """gunicorn, 2 sync workers, no access log, on 127.0.0.1:PORT."""

    def __init__(self, env):
        command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi"]
        command += ["--workers", "2", "--bind", f"127.0.0.1:{PORT}", "--keep-alive", "5"]
        command += ["--no-control-socket"]
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{BASE}/bench-ceiling/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)


def run_wrk(wrk, url, args, extra_env=None) -> dict:
    env = {**os.environ, **(extra_env or {})}
    command = [wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    command += ["-s", str(ROOT / "bench" / "wrk_report.lua"), url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+) (\d+)", out)
    rps, p50, p99, errors, total, posts = found.groups()
    if extra_env and "BENCH_FORM_PAGE" in extra_env:
        rps = float(rps) * int(posts) / max(int(total), 1)  # comments/s: a GET and a POST each
    return {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors)}


def comment_form(seed: str) -> dict:
    """A visitor's CSRF cookie and token, read from the post page as a browser would; the form's
    stamp is left as STAMP, for wrk_report.lua to fill from a fresh GET of the page per POST."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(BASE + seed).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action = re.search(r'<form[^>]+action="(/comments/post/[^"#]+)', html).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    fields = {
        "csrfmiddlewaretoken": token,
        "timestamp": "STAMP",
        "author_name": "Load Tester",
        "author_email": "load@example.com",
        "author_url": "",
        "honeypot": "",
        "body": "Comment COUNTER from the load test.",
    }
    return {"url": BASE + action, "cookie": cookie, "body": urllib.parse.urlencode(fields)}


def measure(wrk, env, seed, args) -> list:
    rows = []
    server = Server(env)
    try:
        page = urllib.request.urlopen(BASE + seed).read()
        Path(env["BENCH_CEILING_FILE"]).write_bytes(page)
        urllib.request.urlopen(BASE + "/").read()  # fill the page cache
        print(f"seed post page: {len(page):,} bytes; running wrk {args.seconds} s per row")
        rows.append(
            ("ceiling: bare view, same bytes", run_wrk(wrk, BASE + "/bench-ceiling/page/", args))
        )
        rows.append(("index, cached", run_wrk(wrk, BASE + "/", args)))
        rows.append(("seed post, cached", run_wrk(wrk, BASE + seed, args)))
        form = comment_form(seed)
        post_env = {
            "BENCH_POST_BODY": form["body"],
            "BENCH_COOKIE": form["cookie"],
            "BENCH_FORM_PAGE": seed,
        }
        rows.append(("comment submission (page + POST)", run_wrk(wrk, form["url"], args, post_env)))
    finally:
        server.stop()
    server = Server({**env, "PAGE_CACHE_SECONDS": "0"})
    try:
        rows.append(("index, uncached", run_wrk(wrk, BASE + "/", args)))
        rows.append(("seed post, uncached", run_wrk(wrk, BASE + seed, args)))
    finally:
        server.stop()
    return rows


def report(rows, args) -> None:
    ceiling = rows[0][1]["rps"]
    print(
        f"\ngunicorn 2 sync workers, wrk -t2 -c{args.connections} -d{args.seconds}s, "
        f"{os.cpu_count()} CPUs, SQLite, local-memory cache"
    )
    header = ["row", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "budget"]
    lines = [header]
    failed = []
    for label, figures in rows:
        ratio = figures["rps"] / ceiling
        budget = BUDGETS.get(label)
        verdict = ""
        if budget is not None:
            verdict = f">= {budget} {'met' if ratio >= budget else 'NOT MET'}"
            if ratio < budget:
                failed.append(label)
        if figures["errors"]:
            failed.append(f"{label} (errors)")
        lines.append(
            [
                label,
                f"{figures['rps']:.0f}",
                f"{figures['p50']:.2f}",
                f"{figures['p99']:.2f}",
                str(figures["errors"]),
                f"{ratio:.2f}",
                verdict,
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells).rstrip())
    print("\nBudgets not met: " + ", ".join(failed) if failed else "\nAll budgets met.")


if __name__ == "__main__":
    sys.exit(main())
