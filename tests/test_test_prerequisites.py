"""`make test` on a fresh machine: chromium (for the browser tests), Java (for the HTML
checker), libfaketime (for `make test-later`) and Varnish with its xkey vmod (for
deploy/varnish.vcl's test and bench) are installed when they can be, else one line says what to
install.

scripts/ensure-chromium, ensure-java, ensure-faketime and ensure-varnish run with a fake `id`,
`apt-get` and `mkdir` first on PATH (ensure-java and ensure-faketime with nothing else, so they
cannot find the machine's binary), so every branch is exercised without touching the machine's
packages.
"""

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Prerequisite:
    """One of the scripts `make test` runs first, and where its fake machine keeps the binary."""

    script: str
    packages: str  # what apt-get installs, and what the one line tells to install
    found_on_path: bool  # java and faketime are looked up on PATH; the others where a variable says
    command: str
    path_variable: str = "CHROMIUM_PATH"  # names the file when it is not looked up on PATH

    def binary(self, tmp_path: Path) -> Path:
        return tmp_path / "bin" / self.command if self.found_on_path else tmp_path / self.command

    def named_as(self, tmp_path: Path) -> str:
        """How its `not found` line names the binary."""
        return self.command if self.found_on_path else str(self.binary(tmp_path))

    def path(self, fake_bin: Path) -> str:
        return str(fake_bin) if self.found_on_path else f"{fake_bin}:/usr/bin:/bin"


CHROMIUM = Prerequisite(
    "ensure-chromium", "chromium fonts-dejavu-core", found_on_path=False, command="chromium"
)
JAVA = Prerequisite("ensure-java", "default-jre-headless", found_on_path=True, command="java")
FAKETIME = Prerequisite("ensure-faketime", "faketime", found_on_path=True, command="faketime")
VARNISH = Prerequisite(
    "ensure-varnish",
    "varnish varnish-modules",
    found_on_path=False,
    command="libvmod_xkey.so",
    path_variable="VARNISH_XKEY_VMOD",
)


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture(
    params=[CHROMIUM, JAVA, FAKETIME, VARNISH], ids=["chromium", "java", "faketime", "varnish"]
)
def prerequisite(request):
    return request.param


@pytest.fixture
def fake_bin(tmp_path):
    """A PATH directory: `id` says $FAKE_UID; `mkdir` does nothing; `apt-get` logs its arguments
    and `apt-get install` creates $FAKE_APT_CREATES unless $FAKE_APT_INSTALLS is "no"."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_executable(bin_dir / "id", '#!/bin/sh\necho "$FAKE_UID"\n')
    write_executable(bin_dir / "mkdir", "#!/bin/sh\n")
    write_executable(
        bin_dir / "apt-get",
        "#!/bin/sh\n"
        'echo "$@" >> "$APT_LOG"\n'
        'if [ "$1" = install ] && [ "$FAKE_APT_INSTALLS" != no ]; then\n'
        '  printf "#!/bin/sh\\n" > "$FAKE_APT_CREATES"; /bin/chmod +x "$FAKE_APT_CREATES"\n'
        "fi\n",
    )
    return bin_dir


def ensure(prerequisite, tmp_path, fake_bin, *, uid, apt_installs=True, command=None):
    binary = prerequisite.binary(tmp_path)
    env = {
        "PATH": prerequisite.path(fake_bin),
        "HOME": str(tmp_path),
        prerequisite.path_variable: str(binary),
        "FAKE_UID": str(uid),
        "FAKE_APT_INSTALLS": "yes" if apt_installs else "no",
        "FAKE_APT_CREATES": str(binary),
        "APT_LOG": str(tmp_path / "apt.log"),
    }
    command = command or ["/bin/sh", str(ROOT / "scripts" / prerequisite.script)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def apt_calls(tmp_path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_present_prerequisite_needs_nothing(prerequisite, tmp_path, fake_bin):
    write_executable(prerequisite.binary(tmp_path), "#!/bin/sh\n")
    result = ensure(prerequisite, tmp_path, fake_bin, uid=1000)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert apt_calls(tmp_path) == []


def test_missing_prerequisite_without_root_fails_with_one_line_saying_what_to_install(
    prerequisite, tmp_path, fake_bin
):
    result = ensure(prerequisite, tmp_path, fake_bin, uid=1000)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{prerequisite.named_as(tmp_path)} not found")
    assert f"apt-get install {prerequisite.packages}" in line
    assert apt_calls(tmp_path) == []


def test_missing_prerequisite_as_root_is_installed_from_debian(prerequisite, tmp_path, fake_bin):
    result = ensure(prerequisite, tmp_path, fake_bin, uid=0)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == ["update -qq", f"install -y -qq {prerequisite.packages}"]
    assert os.access(prerequisite.binary(tmp_path), os.X_OK)


def test_root_install_that_brings_no_binary_still_fails(prerequisite, tmp_path, fake_bin):
    result = ensure(prerequisite, tmp_path, fake_bin, uid=0, apt_installs=False)
    assert result.returncode == 1
    assert f"apt-get install {prerequisite.packages}" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("target", ["test", "test-e2e"])
def test_make_test_targets_stop_before_pytest_when_chromium_is_missing(tmp_path, fake_bin, target):
    # -o: never reinstall the virtualenv from inside the test suite.
    command = ["make", "-o", ".venv/bin/activate", target, "PYTEST_ARGS=--collect-only"]
    result = ensure(CHROMIUM, tmp_path, fake_bin, uid=1000, command=command)
    assert result.returncode != 0
    assert "apt-get install chromium fonts-dejavu-core" in result.stderr
    assert "pytest" not in result.stdout
