"""CPU time of the post renderer on CommonMark's pathological inputs, at the longest body accepted.

Run from the project root:

    .venv/bin/python bench/pathological_markdown.py [LENGTH]

Each case of tests/pathological_markdown.py, grown to LENGTH characters (default: the longest
body accepted, blog.rendering.MAX_BODY_LENGTH), goes through blog.rendering.render_markdown in a
child process; the table shows its CPU time, or that it was still running after 30 s, or the
exception it raised. tests/test_pathological_markdown.py holds each case to 1 s.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALL_LIMIT_SECONDS = 30


def _render(text: str, connection) -> None:
    from blog.rendering import render_markdown

    started = time.process_time()
    try:
        render_markdown(text)
        outcome = ""
    except Exception as exc:  # noqa: BLE001 - the table reports it
        outcome = type(exc).__name__
    connection.send((time.process_time() - started, outcome))


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from blog.rendering import MAX_BODY_LENGTH
    from tests.pathological_markdown import cases

    length = int(argv[0]) if argv else MAX_BODY_LENGTH
    print(f"{'case':50} {'chars':>7}  cpu")
    for name, text in cases(length).items():
        receiver, sender = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(target=_render, args=(text, sender))
        child.start()
        sender.close()
        if receiver.poll(WALL_LIMIT_SECONDS):
            cpu, outcome = receiver.recv()
            result = f"{cpu:.2f} s {outcome}"
        else:
            result = f"still running after {WALL_LIMIT_SECONDS} s"
        child.kill()
        child.join()
        print(f"{name:50} {len(text):7}  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
