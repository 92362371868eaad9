"""`make test` on a fresh machine: Java (for the HTML checker) is installed when it can be, else
one line says what to install.

scripts/ensure-java runs with only fake `id`, `apt-get` and `mkdir` on PATH, so every branch is
exercised without touching the machine's packages.
"""

import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ensure-java"


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_bin(tmp_path):
    """The only PATH directory: `id` says $FAKE_UID; `apt-get install` logs and creates `java`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_executable(bin_dir / "id", '#!/bin/sh\necho "$FAKE_UID"\n')
    write_executable(bin_dir / "mkdir", "#!/bin/sh\n")
    write_executable(
        bin_dir / "apt-get",
        "#!/bin/sh\n"
        'echo "$@" >> "$APT_LOG"\n'
        'if [ "$1" = install ]; then\n'
        f'  printf "#!/bin/sh\\n" > {bin_dir}/java; /bin/chmod +x {bin_dir}/java\n'
        "fi\n",
    )
    return bin_dir


def ensure_java(tmp_path, fake_bin, *, uid):
    env = {"PATH": str(fake_bin), "FAKE_UID": str(uid), "APT_LOG": str(tmp_path / "apt.log")}
    return subprocess.run(
        ["/bin/sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def apt_calls(tmp_path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_present_java_needs_nothing(tmp_path, fake_bin):
    write_executable(fake_bin / "java", "#!/bin/sh\n")
    result = ensure_java(tmp_path, fake_bin, uid=1000)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert apt_calls(tmp_path) == []


def test_missing_java_without_root_fails_with_one_line_saying_what_to_install(tmp_path, fake_bin):
    result = ensure_java(tmp_path, fake_bin, uid=1000)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("java not found")
    assert "apt-get install default-jre-headless" in line
    assert apt_calls(tmp_path) == []


def test_missing_java_as_root_is_installed_from_debian(tmp_path, fake_bin):
    result = ensure_java(tmp_path, fake_bin, uid=0)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == ["update -qq", "install -y -qq default-jre-headless"]
