"""This site started for real on loopback, as in production, and a visitor that talks to it.

One copy for scripts/check_nginx.py (run as a script: it imports this as `loopback`) and the
tests that start the site in other processes (they import it as `scripts.loopback`): a free port,
the production environment for a child process, a fresh database migrated and seeded from another
process, gunicorn started and stopped, and a cookie-keeping HTTP client that follows no redirects.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
HTTP_TIMEOUT_SECONDS = 15
SERVER_START_SECONDS = 40


class CheckFailed(AssertionError):
    """A check on the running site failed: a test failure under pytest, a message for a script."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def free_port() -> int:
    """A loopback port nothing listens on (now): for a server to start, or to be refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(*, without: Iterable[str] = ("REDIS_URL",), **settings: str) -> dict[str, str]:
    """The environment of a child process running config.settings with DEBUG off: this process's
    environment less the variables in `without`, no developer's .env, plus `settings`."""
    dropped = set(without)
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", ENV_FILE="", DEBUG="false")
    env.update(settings)
    return env


def migrate_and_seed(env: dict[str, str], seed: str) -> dict:
    """Migrate the database `env` names, run `seed` in `manage.py shell` against it, and return
    the JSON object the seed printed last (what it made, by name)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=180
    )
    made = subprocess.run(
        [*manage, "shell", "-c", seed],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(made.stdout.strip().splitlines()[-1])


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """gunicorn with config/gunicorn.conf.py on 127.0.0.1:`port`, its output in `log`."""
    with log.open("w") as output:
        return subprocess.Popen(
            GUNICORN,
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_up(
    port: int,
    process: subprocess.Popen,
    name: str,
    log: Path,
    *,
    healthy_at: str | None = None,
    seconds: float = SERVER_START_SECONDS,
) -> None:
    """Wait until `port` takes connections (and, with `healthy_at`, that path answers 200);
    fail with the end of `log` if the process exits or time runs out first."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise CheckFailed(f"{name} on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            if healthy_at is None:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            elif Browser(port).get(healthy_at)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise CheckFailed(f"{name} on port {port} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def stop(process: subprocess.Popen, how: int = signal.SIGINT) -> None:
    """Stop a server with signal `how` (SIGINT: gunicorn's quick shutdown; SIGQUIT: nginx's
    graceful one), killing it if it has not gone within 15 seconds."""
    process.send_signal(how)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


class Browser:
    """A visitor talking to one server: keeps its cookies, follows no redirects.

    `host` sets the Host header (http.client's default is 127.0.0.1:port)."""

    def __init__(self, port: int, host: str | None = None):
        self.port = port
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        headers = {"Host": self.host} if self.host else {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=HTTP_TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers, content

    def get(self, path: str):
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        status, _, content = self.get(path)
        check(status == 200, f"GET {path} answered {status}")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        check(match is not None, f"no CSRF token in the form at {path}")
        return match.group(1)

    def log_in(self, username: str, password: str) -> None:
        """Log in to the admin with a real POST (CSRF token and all)."""
        token = self.csrf_token("/admin/login/")
        status, headers, _ = self.request(
            "POST",
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        check(status == 302 and headers["Location"] == "/admin/", f"admin login answered {status}")

    def admin_action(self, changelist: str, action: str, pk: int) -> None:
        """Run an admin action from `changelist` on the row `pk`."""
        token = self.csrf_token(changelist)
        status, _, _ = self.request(
            "POST",
            changelist,
            {"csrfmiddlewaretoken": token, "action": action, "_selected_action": [pk]},
        )
        check(status == 302, f"the {action} action answered {status}")
