"""bench/front: the seed post page through nginx (deploy/nginx.conf) and through Varnish
(deploy/varnish.vcl), against nginx serving the same bytes as a static file, in one run.

    .venv/bin/python bench/front.py [--seconds 5] [--connections 16]      (or: make bench-front)

It builds the throwaway SQLite database of bench/load.py (the demo's seed post with 50 approved
comments, 10 other posts), starts gunicorn (2 sync workers, no access log), nginx with
deploy/nginx.conf and varnishd with deploy/varnish.vcl (their "EDIT" values substituted, as
scripts/check_nginx.py and tests/test_varnish.py do), writes the seed post page's bytes into
nginx's static folder, and runs wrk -t2 against: that static file, the seed post page and the
index through nginx and through Varnish, and the seed post page from gunicorn directly (for
information). The rows run in turn, --rounds times (3), and each shows its median run, with the
X-Cache-Status / X-Cache of a request made just before it.

Target (issue 21): the post page through each cache >= 0.5 of the static file. Figures, not a
test; nginx (nginx-light), Varnish (scripts/ensure-varnish) and wrk are installed when root and
missing.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from check_nginx import adapted_conf, ensure_nginx  # noqa: E402
from loopback import free_port, stop  # noqa: E402

from bench import load  # noqa: E402

VARNISHD = "/usr/sbin/varnishd"
TARGET = 0.5
STATIC = "nginx: static file, same bytes"
POST_PAGES = ("nginx: seed post page", "varnish: seed post page")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per row")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="runs of every row; median shown")
    args = parser.parse_args(argv)
    wrk = load.shutil.which("wrk") or load.ensure_wrk()
    nginx = ensure_nginx()
    if nginx is None:
        sys.exit("bench/front needs nginx: run `apt-get install nginx-light` as root.")
    if subprocess.run([str(ROOT / "scripts" / "ensure-varnish")]).returncode != 0:
        return 2
    ports = {name: free_port() for name in ("app", "nginx", "varnish")}
    load.PORT, load.BASE = ports["app"], f"http://127.0.0.1:{ports['app']}"
    with tempfile.TemporaryDirectory(prefix="blogcms_front_") as folder:
        tmp = Path(folder)
        env = load.environment(tmp)
        subprocess.run([sys.executable, load.__file__, "--fill", "yes"], env=env, check=True)
        seed = (tmp / "seed-url").read_text().strip()
        load_before = os.getloadavg()
        rows = measure(wrk, nginx, env, seed, ports, tmp, args)
    report(rows, args, load_before, os.getloadavg())
    return 0 if all(ratio >= TARGET for ratio in post_page_ratios(rows)) else 1


def measure(wrk, nginx, env, seed, ports, tmp: Path, args) -> list:
    started = []
    try:
        app = load.Server(env)
        started.append((app.process, signal.SIGINT))
        served = tmp / "nginx"  # its static folder, micro-cache, logs and pid file
        for name in ("static", "media", "cache"):
            (served / name).mkdir(parents=True)
        page = urllib.request.urlopen(load.BASE + seed).read()
        (served / "static" / "seed.html").write_bytes(page)
        conf = served / "nginx.conf"
        conf.write_text(adapted_conf(served, ports["nginx"], ports["app"]))
        nginx_command = [nginx, "-p", str(served), "-c", str(conf)]
        started.append((start(nginx_command, served / "nginx.log"), signal.SIGQUIT))
        vcl = tmp / "varnish.vcl"
        vcl.write_text(
            (ROOT / "deploy" / "varnish.vcl")
            .read_text()
            .replace('.port = "8000";', f'.port = "{ports["app"]}";')
        )
        varnish = [VARNISHD, "-F", "-j", "none", "-a", f"127.0.0.1:{ports['varnish']}"]
        varnish += ["-f", str(vcl), "-n", str(tmp / "varnish"), "-s", "malloc,64m"]
        started.append((start(varnish, tmp / "varnishd.log"), signal.SIGINT))
        nginx_base = f"http://127.0.0.1:{ports['nginx']}"
        varnish_base = f"http://127.0.0.1:{ports['varnish']}"
        wait_for(nginx_base + "/static/seed.html")
        wait_for(varnish_base + "/", seconds=60)  # the VCL is compiled first
        print(
            f"seed post page: {len(page):,} bytes; wrk {args.seconds} s per row, "
            f"{args.rounds} rounds"
        )
        targets = [
            (STATIC, nginx_base + "/static/seed.html"),
            (POST_PAGES[0], nginx_base + seed),
            (POST_PAGES[1], varnish_base + seed),
            ("nginx: index", nginx_base + "/"),
            ("varnish: index", varnish_base + "/"),
            ("gunicorn directly: seed post page (info)", load.BASE + seed),
        ]
        runs = {label: [] for label, _ in targets}
        statuses = {}
        for _ in range(args.rounds):  # rows interleaved, so a busy moment hits them alike
            for label, url in targets:
                statuses[label] = cache_status(url)  # also fills the cache before wrk starts
                runs[label].append(load.run_wrk(wrk, url, args))
        return [(label, statuses[label], median_run(runs[label])) for label, _ in targets]
    finally:
        for process, how in reversed(started):
            stop(process, how)


def start(command, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def cache_status(url: str) -> str:
    """What the cache in front says of a second request for `url` (the first fills it)."""
    urllib.request.urlopen(url).read()
    with urllib.request.urlopen(url) as answer:
        answer.read()
        return answer.headers.get("X-Cache-Status") or answer.headers.get("X-Cache") or "-"


def median_run(runs: list[dict]) -> dict:
    """The run with the median requests/s (its p50 and p99 with it); errors summed."""
    ordered = sorted(runs, key=lambda figures: figures["rps"])
    return {**ordered[len(ordered) // 2], "errors": sum(figures["errors"] for figures in runs)}


def post_page_ratios(rows) -> list[float]:
    static = rows[0][2]["rps"]
    return [figures["rps"] / static for label, _, figures in rows if label in POST_PAGES]


def report(rows, args, load_before, load_after) -> None:
    static = rows[0][2]["rps"]
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.rounds}, "
        f"{os.cpu_count()} CPUs; gunicorn 2 sync "
        f"workers behind both; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    lines = [["row", "cache", "req/s", "p50 ms", "p99 ms", "errors", "x static"]]
    for label, status, figures in rows:
        lines.append(
            [
                label,
                status,
                f"{figures['rps']:.0f}",
                f"{figures['p50']:.2f}",
                f"{figures['p99']:.2f}",
                str(figures["errors"]),
                f"{figures['rps'] / static:.2f}",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(line[2:], widths[2:], strict=True)]
        print("  ".join(cells).rstrip())
    met = all(ratio >= TARGET for ratio in post_page_ratios(rows))
    print(
        f"\nPost page through nginx and Varnish >= {TARGET}x the static file: "
        f"{'met' if met else 'NOT MET'}."
    )


if __name__ == "__main__":
    sys.exit(main())
