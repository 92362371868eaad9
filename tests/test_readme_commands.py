"""Every `make <target>` the READMEs show is a target the Makefile defines.

A README command that make answers with "No rule to make target" is a broken promise to a
newcomer; two of them (check-nginx, bench-desk) were once documented without a target.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "bench/README.md"]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", text, flags=re.MULTILINE))


def documented_targets(document: str) -> set[str]:
    """Targets of `make ...` commands written as code (in backticks or a code block)."""
    text = (ROOT / document).read_text()
    code = re.findall(r"`([^`\n]+)`", text) + re.findall(r"```.*?\n(.*?)```", text, flags=re.DOTALL)
    targets = set()
    for snippet in code:
        for match in re.finditer(r"(?:^|[\s;&(])make((?:\s+[A-Za-z0-9_-]+(?:=\S*)?)+)", snippet):
            words = [word for word in match.group(1).split() if "=" not in word]
            targets.update(words[:1])
    return targets


def test_the_makefile_defines_the_targets_this_test_reads():
    assert {"run", "test", "test-postgres", "lint"} <= makefile_targets()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_make_command_in_the_readme_has_a_target(document):
    documented = documented_targets(document)
    assert documented, f"no `make ...` command found in {document}: the pattern is wrong"
    missing = sorted(documented - makefile_targets())
    assert not missing, f"{document} shows `make` commands with no target: {missing}"
