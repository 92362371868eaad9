"""Lines of Python in blog, comments and core, migrations aside (issue 21: "the product is
smaller"), split into blank, comment, docstring and code lines.

    .venv/bin/python bench/lines.py [REVISION ...]

With no revision it counts the files in the work tree that git tracks.
"""

import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["blog", "comments", "core"]


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def sources(revision: str | None) -> list[str]:
    if revision:
        names = git("ls-tree", "-r", "--name-only", revision, *APPS).split()
    else:
        names = git("ls-files", *APPS).split()
    names = [name for name in names if name.endswith(".py") and "/migrations/" not in name]
    if revision:
        return [git("show", f"{revision}:{name}") for name in names]
    return [(ROOT / name).read_text() for name in names]


def docstring_lines(source: str) -> int:
    """Lines of string literals standing as statements (docstrings, and strings used as such)."""
    lines, previous = 0, None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        starts_statement = previous is None or previous.type in (
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.NEWLINE,
            tokenize.NL,
        )
        if token.type == tokenize.STRING and starts_statement:
            lines += token.end[0] - token.start[0] + 1
        if token.type != tokenize.COMMENT:
            previous = token
    return lines


def count(revision: str | None) -> dict[str, int]:
    figures = dict.fromkeys(["total", "blank", "comment", "docstring"], 0)
    for source in sources(revision):
        lines = source.splitlines()
        figures["total"] += len(lines)
        figures["blank"] += sum(1 for line in lines if not line.strip())
        figures["comment"] += sum(1 for line in lines if line.strip().startswith("#"))
        figures["docstring"] += docstring_lines(source)
    figures["code"] = (
        figures["total"] - figures["blank"] - figures["comment"] - figures["docstring"]
    )
    return figures


def main() -> None:
    print(f"{'revision':<12} {'total':>7} {'blank':>7} {'comment':>7} {'docstr':>7} {'code':>7}")
    for revision in sys.argv[1:] or [None]:
        figures = count(revision)
        print(f"{revision or 'work tree':<12}", *(f"{value:>7,}" for value in figures.values()))


if __name__ == "__main__":
    main()
