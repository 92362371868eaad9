"""Lines of Python in blog, comments and core, migrations aside (issue 21: "the product is
smaller"), split into blank, comment, docstring and code lines.

    .venv/bin/python bench/lines.py [REVISION ...]

With no revision it counts the files in the work tree that git tracks.
"""

import ast
import subprocess
import sys
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


def docstring_line_numbers(source: str) -> set[int]:
    """Lines of string literals standing as statements (docstrings, and strings used as such)."""
    return {
        number
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for number in range(node.lineno, node.end_lineno + 1)
    }


def count(revision: str | None) -> dict[str, int]:
    """Each line in one bucket only, first match wins: docstring, blank, comment, code."""
    figures = dict.fromkeys(["total", "blank", "comment", "docstring", "code"], 0)
    for source in sources(revision):
        in_docstring = docstring_line_numbers(source)
        for number, line in enumerate(source.splitlines(), start=1):
            figures["total"] += 1
            if number in in_docstring:
                figures["docstring"] += 1
            elif not line.strip():
                figures["blank"] += 1
            elif line.strip().startswith("#"):
                figures["comment"] += 1
            else:
                figures["code"] += 1
    return figures


def main() -> None:
    print(f"{'revision':<12} {'total':>7} {'blank':>7} {'comment':>7} {'docstr':>7} {'code':>7}")
    for revision in sys.argv[1:] or [None]:
        figures = count(revision)
        print(f"{revision or 'work tree':<12}", *(f"{value:>7,}" for value in figures.values()))


if __name__ == "__main__":
    main()
