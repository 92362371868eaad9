"""`make test` on a fresh machine: chromium is installed when it can be, else one line says why.

scripts/ensure-chromium runs with a fake `id` and `apt-get` first on PATH, so every branch is
exercised without touching the machine's packages.
"""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ensure-chromium"


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_bin(tmp_path):
    """A PATH directory with `id` (uid from $FAKE_UID) and an `apt-get` that logs its arguments.

    `apt-get install` creates $CHROMIUM_PATH unless $FAKE_APT_INSTALLS is "no".
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_executable(bin_dir / "id", '#!/bin/sh\necho "$FAKE_UID"\n')
    write_executable(
        bin_dir / "apt-get",
        "#!/bin/sh\n"
        'echo "$@" >> "$APT_LOG"\n'
        'if [ "$1" = install ] && [ "$FAKE_APT_INSTALLS" != no ]; then\n'
        '  printf "#!/bin/sh\\n" > "$CHROMIUM_PATH"; chmod +x "$CHROMIUM_PATH"\n'
        "fi\n",
    )
    return bin_dir


def ensure_chromium(tmp_path, fake_bin, *, uid, apt_installs=True, command=None):
    env = {
        "PATH": f"{fake_bin}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CHROMIUM_PATH": str(tmp_path / "chromium"),
        "FAKE_UID": str(uid),
        "FAKE_APT_INSTALLS": "yes" if apt_installs else "no",
        "APT_LOG": str(tmp_path / "apt.log"),
    }
    return subprocess.run(
        command or [str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def apt_calls(tmp_path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_present_chromium_needs_nothing(tmp_path, fake_bin):
    write_executable(tmp_path / "chromium", "#!/bin/sh\n")
    result = ensure_chromium(tmp_path, fake_bin, uid=1000)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert apt_calls(tmp_path) == []


def test_missing_chromium_without_root_fails_with_one_line_saying_what_to_install(
    tmp_path, fake_bin
):
    result = ensure_chromium(tmp_path, fake_bin, uid=1000)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{tmp_path / 'chromium'} not found")
    assert "apt-get install chromium fonts-dejavu-core" in line
    assert apt_calls(tmp_path) == []


def test_missing_chromium_as_root_is_installed_with_apt_get(tmp_path, fake_bin):
    result = ensure_chromium(tmp_path, fake_bin, uid=0)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == ["update -qq", "install -y -qq chromium fonts-dejavu-core"]
    assert os.access(tmp_path / "chromium", os.X_OK)


def test_root_install_that_brings_no_chromium_still_fails(tmp_path, fake_bin):
    result = ensure_chromium(tmp_path, fake_bin, uid=0, apt_installs=False)
    assert result.returncode == 1
    assert "apt-get install chromium fonts-dejavu-core" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("target", ["test", "test-postgres", "test-e2e"])
def test_make_test_targets_stop_before_pytest_when_chromium_is_missing(tmp_path, fake_bin, target):
    # -o: never reinstall the virtualenv from inside the test suite.
    command = ["make", "-o", ".venv/bin/activate", target, "PYTEST_ARGS=--collect-only"]
    result = ensure_chromium(tmp_path, fake_bin, uid=1000, command=command)
    assert result.returncode != 0
    assert "apt-get install chromium fonts-dejavu-core" in result.stderr
    assert "pytest" not in result.stdout
