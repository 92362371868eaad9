"""Markdown that makes naive parsers slow: CommonMark's pathological inputs, grown to a length.

The shapes are those of commonmark/cmark's test/pathological_tests.py (each one made a
CommonMark parser superlinear at some point), written out again here so each can be grown to
the longest body the site accepts: a case is a few pieces repeated, and `cases(length)` repeats
them as often as fits in `length` characters, keeping an opening run and its closing run the
same size. Used by tests/test_pathological_markdown.py.
"""

import itertools


def _fill(length: int, unit: str, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` as often as fits, then `tail`, in at most `length` characters."""
    return head + unit * max(0, (length - len(head) - len(tail)) // len(unit)) + tail


def _balanced(length: int, opener: str, middle: str, closer: str, head: str = "") -> str:
    """`head`, `opener` n times, `middle`, `closer` n times: the largest n that fits `length`."""
    n = max(0, (length - len(head) - len(middle)) // (len(opener) + len(closer)))
    return head + opener * n + middle + closer * n


def _indented_list(length: int) -> str:
    """A list nested one level deeper on every line, as deep as `length` allows."""
    lines, used = [], 0
    for depth in itertools.count():
        line = "  " * depth + "* a\n"
        if used + len(line) > length:
            return "".join(lines)
        lines.append(line)
        used += len(line)
    raise AssertionError("unreachable")


def _backtick_runs(length: int) -> str:
    """ "e" followed by 1, 2, 3... backticks: no two runs of the same length close each other."""
    parts, used = [], 0
    for run in itertools.count(1):
        part = "e" + "`" * run
        if used + len(part) > length:
            return "".join(parts)
        parts.append(part)
        used += len(part)
    raise AssertionError("unreachable")


def _colliding_labels(length: int) -> str:
    """Many reference definitions whose labels share a bucket of cmark's 16-slot hash table.

    The labels are x0, x1, ... kept when cmark's old string hash (h = c + (h << 6) + (h << 16) - h
    over 32 bits) is a multiple of 16; each definition is followed by a use of the first label.
    """

    def bucket(label: str) -> int:
        h = 0
        for char in label:
            h = (ord(char) + (h << 6) + (h << 16) - h) & 0xFFFFFFFF
        return h % 16

    labels = (f"x{i}" for i in itertools.count() if bucket(f"x{i}") == 0)
    first = next(labels)
    parts, used = [], 0
    for label in labels:
        part = f"[{label}]: /url\n\n[{first}]\n\n"
        if used + len(part) > length:
            return "".join(parts)
        parts.append(part)
        used += len(part)
    raise AssertionError("unreachable")


def cases(length: int) -> dict[str, str]:
    """Each pathological input, grown to at most `length` characters."""
    return {
        "nested strong emph": _balanced(length, "*a **a ", "b", " a** a*"),
        "many emph closers with no openers": _fill(length, "a_ "),
        "many emph openers with no closers": _fill(length, "_a "),
        "many link closers with no openers": _fill(length, "a]"),
        "many link openers with no closers": _fill(length, "[a"),
        "mismatched openers and closers": _fill(length, "*a_ "),
        "emph openers then mixed closers (cmark #389)": _balanced(length, "*a ", "", "_a*_ "),
        "openers and closers multiple of 3": _fill(length, "c* ", head="a**b"),
        "link openers and emph closers": _fill(length, "[ a_"),
        "pattern [ (]( repeated": _fill(length, "[ (]("),
        "pattern ![[]() repeated": _fill(length, "![[]()"),
        "hard link/emph case": "**x [a*b**c*](d)",
        "nested brackets": _balanced(length, "[", "a", "]"),
        "nested block quotes": _fill(length, "> ", tail="a"),
        "deeply nested lists": _indented_list(length),
        "U+0000 in input": "abc\u0000de\u0000",
        "backticks": _backtick_runs(length),
        "unclosed links A": _fill(length, "[a](<b"),
        "unclosed links B": _fill(length, "[a](b"),
        "unclosed <!--": _fill(length, "<!--", head="</"),
        "empty lines in deeply nested lists": _balanced(length, "- ", "x", "\n"),
        "empty lines in deeply nested lists in blockquote": _balanced(
            length, "- ", "x\n", ">\n", head="> "
        ),
        "emph in deep blockquote": _balanced(length, ">", "", "a*"),
        "reference collisions": _colliding_labels(length),
        "nested inlines": _balanced(length, "*", "a", "*"),
    }
