"""`make audit`: Lighthouse on the seed post page, served as in production, and its four scores.

Builds a throwaway site in a temporary folder (SQLite, load_demo, collectstatic), serves it with
gunicorn and DEBUG off (WhiteNoise's compressed static files) on 127.0.0.1:PORT, runs Lighthouse
(audit/node_modules, pinned in audit/package-lock.json) with Debian's chromium, prints the
performance, accessibility, best-practices and SEO scores, and fails if one is under --min.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
LIGHTHOUSE = ROOT / "audit" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
SEED_PATH = "/blog/how-magnesium-glycinate-helps-migraines-the-optimal-400mg-dose/"


def site_env(folder: Path, port: int) -> dict:
    return {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{folder / 'audit.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "CACHE_DIR": str(folder / "cache"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def manage(env, *args):
    # Quiet: load_demo prints one-time passwords of a site thrown away afterwards.
    subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def lighthouse(url: str, report: Path, chrome: str) -> dict:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=" + ",".join(CATEGORIES),
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": chrome},
        check=True,
        timeout=300,
    )
    return json.loads(report.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--min", type=int, default=95, help="lowest acceptable score (0-100)")
    parser.add_argument("--report", type=Path, help="also keep Lighthouse's JSON report here")
    args = parser.parse_args()
    chrome = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make audit` (it runs npm ci in audit/).")
        return 1

    with tempfile.TemporaryDirectory(prefix="blogcms-audit-") as tmp:
        folder = Path(tmp)
        env = site_env(folder, args.port)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_demo", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        try:
            url = f"http://127.0.0.1:{args.port}{SEED_PATH}"
            wait_for(url)
            result = lighthouse(url, folder / "report.json", chrome)
            if args.report:
                shutil.copy(folder / "report.json", args.report)
        finally:
            server.terminate()
            server.wait(timeout=30)

    scores = {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}
    print(f"Lighthouse {result['lighthouseVersion']} on {SEED_PATH}")
    for name, score in scores.items():
        print(f"  {name:<15} {score:>3}")
    low = [name for name, score in scores.items() if score < args.min]
    if low:
        print(f"Under {args.min}: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
