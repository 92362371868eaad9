"""`make check-nginx`: deploy/nginx.conf, started for real on loopback in front of gunicorn.

Builds a throwaway SQLite database (a published post, a draft, an editor), starts gunicorn
(DEBUG off, one worker) and nginx with deploy/nginx.conf, its "EDIT" values substituted (ports,
cache and static paths, plus a pid file and logs in the temporary folder so no root is needed),
and checks through nginx:
1. the index: first answer X-Cache-Status MISS, the next HIT (served by nginx's micro-cache);
2. an editor logs in and publishes the draft through nginx (their session cookie bypasses the
   micro-cache); right away the public index may still be nginx's copy (that is the micro-cache's
   bargain: at most HTTP_CACHE_SECONDS old), and once that time is over the index shows the new
   post (EXPIRED, or a STALE answer while nginx refreshes in the background, then the new page);
3. a post page (the same for every reader without cookies, so `public`) is stored: MISS, then HIT;
4. the editor, whose session cookie may show them a page of their own, gets that post page from
   the app each time (BYPASS), never nginx's copy.

Prints each step; exits non-zero on the first failure, and always stops both servers.
nginx: /usr/sbin/nginx (NGINX=path for another); as root, Debian's nginx-light is installed when
missing, otherwise the script says what to install and exits 2 (tests/test_nginx.py skips then).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback import (
    Browser,
    CheckFailed,
    check,
    free_port,
    migrate_and_seed,
    production_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PASSWORD = "micro cache, macro gain"
MISSING = 2

SEED = f"""
import json
from tests.factories import PostFactory, UserFactory
editor = UserFactory(username="editor", is_staff=True, groups=["Editors"])
editor.set_password({PASSWORD!r})
editor.save()
post = PostFactory(title="Already on the index", author=editor)
draft = PostFactory(title="Published behind nginx", author=editor, draft=True)
print(json.dumps({{"post": post.get_absolute_url(), "draft": draft.pk}}))
"""


def ensure_nginx() -> str | None:
    if Path(NGINX).is_file():
        return NGINX
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx not found: installing Debian's nginx-light (apt-get).", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx-light"],
            env=env,
            check=False,
            capture_output=True,
        )
        if Path(NGINX).is_file():
            return NGINX
    return None


def adapted_conf(tmp: Path, nginx_port: int, app_port: int) -> str:
    """deploy/nginx.conf with its EDIT values for this loopback run; fails if one is not found."""
    text = CONF.read_text()
    replacements = [
        (r"proxy_cache_path /var/cache/nginx/blog ", f"proxy_cache_path {tmp}/cache "),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{nginx_port};"),
        (r"alias /srv/blog/staticfiles/;", f"alias {tmp}/static/;"),
        (r"alias /srv/blog/media/;", f"alias {tmp}/media/;"),
        # Everything nginx writes goes to the temporary folder: no root needed.
        (
            r"\nhttp \{\n",
            f"\nhttp {{\n    access_log {tmp}/access.log;\n"
            + "".join(
                f"    {name}_temp_path {tmp}/{name};\n"
                for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
        ),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, count=1)
        if count != 1:
            raise SystemExit(f"deploy/nginx.conf no longer has {pattern!r}: update {__file__}")
    # As root, nginx's workers would otherwise run as nobody, who cannot write the temp folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"{user}pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\ndaemon off;\n{text}"


def run_checks(nginx_port: int, made: dict, ttl: int) -> None:
    reader = Browser(nginx_port, host="127.0.0.1")
    statuses = []
    for _ in range(2):
        status, headers, index = reader.request("GET", "/")
        check(status == 200, f"index answered {status}")
        statuses.append(headers.get("X-Cache-Status"))
    print(f"index, twice: X-Cache-Status {statuses[0]}, then {statuses[1]}")
    check(statuses == ["MISS", "HIT"], f"expected MISS then HIT, got {statuses}")
    check("Published behind nginx" not in index, "the draft is on the index")

    editor = Browser(nginx_port, host="127.0.0.1")
    editor.log_in("editor", PASSWORD)
    editor.admin_action("/admin/blog/post/", "publish_selected", made["draft"])
    published = time.monotonic()
    status, headers, index = reader.request("GET", "/")
    shown = "Published behind nginx" in index
    print(
        f"published the draft through nginx (admin, session cookie: not cached); index at once: "
        f"{headers.get('X-Cache-Status')}, new post {'shown' if shown else 'not yet shown'}"
    )

    time.sleep(max(0.0, ttl + 0.5 - (time.monotonic() - published)))
    seen = []
    give_up = time.monotonic() + 15  # the background refresh may be slow on a busy machine
    while True:
        status, headers, index = reader.request("GET", "/")
        check(status == 200, f"index answered {status}")
        shown = "Published behind nginx" in index
        seen.append(f"{headers.get('X-Cache-Status')}{' (new post)' if shown else ''}")
        if shown or time.monotonic() > give_up:
            break
        time.sleep(0.3)  # a STALE answer while nginx refreshes in the background
    print(f"index after the micro-cache's {ttl} s: {', '.join(seen)}")
    check(shown, f"the published post never showed through nginx: {seen}")
    status, headers, _ = reader.request("GET", "/")
    print(f"index once more: X-Cache-Status {headers.get('X-Cache-Status')}")
    check(headers.get("X-Cache-Status") == "HIT", "the refreshed index was not cached again")

    statuses = []
    for _ in range(2):
        status, headers, _ = reader.request("GET", made["post"])
        check(status == 200, f"post page answered {status}")
        statuses.append(headers.get("X-Cache-Status"))
    print(
        f"post page, twice: {statuses[0]}, then {statuses[1]}; "
        f"Cache-Control: {headers.get('Cache-Control')}"
    )
    check(statuses[1] == "HIT", "nginx did not keep the public post page")

    statuses = []
    for _ in range(2):
        status, headers, _ = editor.request("GET", made["post"])
        check(status == 200, f"post page answered {status} to the editor")
        statuses.append(headers.get("X-Cache-Status"))
    print(
        f"post page for the logged-in editor (session cookie), twice: {statuses[0]}, then "
        f"{statuses[1]}; Cache-Control: {headers.get('Cache-Control')}"
    )
    check(statuses == ["BYPASS", "BYPASS"], "nginx answered a session holder from its cache")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="nginx's port (default: a free one)")
    parser.add_argument("--app-port", type=int, default=0, help="gunicorn's (default: free)")
    parser.add_argument("--ttl", type=int, default=4, help="HTTP_CACHE_SECONDS for the run")
    args = parser.parse_args(argv)
    nginx = ensure_nginx()
    if nginx is None:
        print(
            f"{NGINX} not found: install nginx as root ('apt-get install nginx-light') "
            "or set NGINX to its path.",
            file=sys.stderr,
        )
        return MISSING
    nginx_port = args.port or free_port()
    app_port = args.app_port or free_port()
    started = []
    with tempfile.TemporaryDirectory(prefix="check-nginx-") as folder:
        tmp = Path(folder)
        for name in ("static", "media", "cache"):
            (tmp / name).mkdir()
        env = production_env(
            without={"REDIS_URL", "DATABASE_URL"},
            SECRET_KEY="check-nginx-key",
            SECURE_COOKIES="false",  # plain HTTP on loopback
            DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
            CACHE_DIR=str(tmp / "app-cache"),
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            MEDIA_ROOT=str(tmp / "media"),
            HTTP_CACHE_SECONDS=str(args.ttl),
            LOG_LEVEL="WARNING",
            WEB_CONCURRENCY="1",  # one worker is enough for these checks
        )
        try:
            made = migrate_and_seed(env, SEED)
            conf = tmp / "nginx.conf"
            conf.write_text(adapted_conf(tmp, nginx_port, app_port))
            app_log, nginx_log = tmp / "gunicorn.log", tmp / "error.log"
            app = start_gunicorn(env, app_port, app_log)
            started.append(app)
            wait_until_up(app_port, app, "gunicorn", app_log)
            with nginx_log.open("a") as output:
                proxy = subprocess.Popen(
                    [nginx, "-p", str(tmp), "-c", str(conf)], stdout=output, stderr=output
                )
            started.append(proxy)
            wait_until_up(nginx_port, proxy, "nginx", nginx_log)
            print(
                f"nginx {nginx_port} -> gunicorn {app_port} "
                f"(deploy/nginx.conf, s-maxage {args.ttl})"
            )
            run_checks(nginx_port, made, args.ttl)
        except CheckFailed as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
        finally:
            for process in started:
                # nginx: SIGQUIT is its graceful stop; gunicorn: SIGINT its quick one.
                stop(process, signal.SIGQUIT if process is not started[0] else signal.SIGINT)
    print("nginx micro-cache: MISS then HIT, a publication shown after the TTL, post pages kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
