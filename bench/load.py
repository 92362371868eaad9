"""bench/load: gunicorn (2 sync workers) on loopback, loaded with wrk; figures against the ceiling.

    .venv/bin/python bench/load.py [--seconds 10] [--connections 16]      (or: make bench-load)

It builds a throwaway SQLite database (the demo's seed post with 50 approved comments and 10
other posts), starts gunicorn on 127.0.0.1:8950 (BENCH_PORT or --port for another), and runs wrk
for a fixed time against: the ceiling (a bare Django view returning the seed post page's bytes,
same server, same middleware), the index and the seed post from the page cache, comment
submission, and then, with the page cache off (PAGE_CACHE_SECONDS=0, a restarted server), the
index and the seed post again: first with the fragment caches warm (the shared comment section,
the article; what a reader gets once anyone has read the post since it last changed), then,
for information only, fully cold (every cache emptied before each request, bench/urls.py).

Comment submission posts what a reader sends: each request is a different comment with the form
stamp of a view of the post page (the post's stamp; no token, no cookie needed). The views are
fetched before wrk starts, so the row times the POSTs alone. Its status codes are printed: 302
is a comment accepted.

It prints requests/s, p50, p99, errors and the ratio to the ceiling, and the budgets: cached post
page >= 0.8 of the ceiling, page cache off (fragments warm) >= 0.3, no errors. Figures, not a
test.
"""

import argparse
import http.client
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
CACHED, WARM, COLD = (
    "seed post, cached",
    "seed post, page cache off (fragments warm)",
    "seed post, fully cold (info)",
)
BUDGETS = {CACHED: 0.8, WARM: 0.3}
# Comment bodies prepared per second of wrk: more than the server can take, so none is sent twice.
BODIES_PER_SECOND = 600


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, help="default: BENCH_PORT or 8950")
    parser.add_argument("--fill", help=argparse.SUPPRESS)  # internal: fill this database
    args = parser.parse_args(argv)
    if args.fill:
        return fill()
    if args.port:
        global PORT, BASE
        PORT, BASE = args.port, f"http://127.0.0.1:{args.port}"
    wrk = shutil.which("wrk") or ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="blogcms_load_") as tmp:
        env = environment(Path(tmp))
        subprocess.run([sys.executable, __file__, "--fill", "yes"], env=env, check=True)
        seed = (Path(tmp) / "seed-url").read_text().strip()
        load_before = os.getloadavg()
        rows = measure(wrk, env, seed, args, Path(tmp))
    report(rows, args, load_before, os.getloadavg())
    return 1 if failed(rows) else 0


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
        "CACHE_DIR": str(tmp / "cache"),
    }
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):  # the disk cache, local media
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
    rps, p50, p99, errors, total = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out).groups()
    kinds = dict(re.findall(r"(\w+)=(\d+)", re.search(r"ERRORS (.*)", out).group(1)))
    statuses = re.search(r"STATUSES (\S*) reused=(\d+)", out)
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p99": float(p99),
        "errors": int(errors),
        "requests": int(total),
        "kinds": {kind: int(n) for kind, n in kinds.items() if int(n)},
        "statuses": statuses.group(1),
        "reused": int(statuses.group(2)),
    }


def comment_bodies(seed: str, count: int, directory: Path, threads: int = 2) -> dict:
    """`count` comments from one visitor, each with the form stamp of its own view of the post
    page (one keep-alive connection, any cookie sent back as a browser would), written one
    urlencoded body a line to a file per wrk thread."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    cookie, action, files = "", None, []
    outputs = [open(directory / f"bodies.{n}", "w") for n in range(threads)]  # noqa: SIM115
    try:
        for n in range(count):
            connection.request("GET", seed, headers={"Cookie": cookie} if cookie else {})
            answer = connection.getresponse()
            html = answer.read().decode()
            set_cookie = answer.getheader("Set-Cookie")
            if set_cookie and not cookie:
                cookie = set_cookie.split(";", 1)[0]
            action = re.search(r'<form[^>]+action="(/comments/post/[^"#]+)', html).group(1)
            fields = {
                "stamp": re.search(r'name="stamp" value="([^"]+)"', html).group(1),
                "author_name": "Load Tester",
                "author_email": "load@example.com",
                "author_url": "",
                "honeypot": "",
                "body": f"Comment {n} from the load test.",
            }
            outputs[n % threads].write(urllib.parse.urlencode(fields) + "\n")
    finally:
        connection.close()
        for output in outputs:
            output.close()
        files = [str(output.name) for output in outputs]
    return {"url": BASE + action, "cookie": cookie, "files": files}


def measure(wrk, env, seed, args, tmp: Path) -> list:
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
        rows.append((CACHED, run_wrk(wrk, BASE + seed, args)))
        form = comment_bodies(seed, BODIES_PER_SECOND * args.seconds, tmp)
        post_env = {"BENCH_POST_BODIES": str(tmp / "bodies"), "BENCH_COOKIE": form["cookie"]}
        rows.append(("comment submission", run_wrk(wrk, form["url"], args, post_env)))
    finally:
        server.stop()
    server = Server({**env, "PAGE_CACHE_SECONDS": "0"})
    try:
        rows.append(("index, page cache off", run_wrk(wrk, BASE + "/", args)))
        for _ in range(10):  # warm the fragment caches (each worker has its own memory cache)
            urllib.request.urlopen(BASE + seed).read()
        rows.append((WARM, run_wrk(wrk, BASE + seed, args)))
        rows.append((COLD, run_wrk(wrk, BASE + "/bench-cold" + seed, args)))
    finally:
        server.stop()
    return rows


def failed(rows) -> list:
    """The rows that miss their budget or had errors."""
    ceiling = rows[0][1]["rps"]
    misses = []
    for label, figures in rows:
        budget = BUDGETS.get(label)
        if budget is not None and figures["rps"] / ceiling < budget:
            misses.append(label)
        if figures["errors"]:
            misses.append(f"{label} (errors)")
    return misses


def report(rows, args, load_before, load_after) -> None:
    ceiling = rows[0][1]["rps"]
    print(
        f"\ngunicorn 2 sync workers, wrk -t2 -c{args.connections} -d{args.seconds}s, "
        f"{os.cpu_count()} CPUs, SQLite, disk cache; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    header = ["row", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "budget"]
    lines = [header]
    for label, figures in rows:
        ratio = figures["rps"] / ceiling
        budget = BUDGETS.get(label)
        verdict = ""
        if budget is not None:
            verdict = f">= {budget} {'met' if ratio >= budget else 'NOT MET'}"
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
    for label, figures in rows:
        if figures["statuses"]:
            note = f"\n{label}: {figures['requests']} answers by status {figures['statuses']}"
            note += " (302: comment accepted)"
            if figures["reused"]:
                note += f"; wrk ran out of prepared comments {figures['reused']} times"
            print(note)
        if figures["kinds"]:
            print(f"{label}: errors by kind {figures['kinds']}")
    print(
        f"\n{WARM}: PAGE_CACHE_SECONDS=0, the fragment caches warm. {COLD}: every cache "
        "emptied before each request (no budget)."
    )
    misses = failed(rows)
    print("\nBudgets not met: " + ", ".join(misses) if misses else "\nAll budgets met.")


if __name__ == "__main__":
    sys.exit(main())
