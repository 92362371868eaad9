"""make audit-deps: a vulnerable pin fails the run; packages it could not check are named."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)

VULNERABLE = {
    "name": "django",
    "version": "5.2.0",
    "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": []}],
}
CLEAN = {"name": "nh3", "version": "0.3.8", "vulns": []}
SKIPPED = {"name": "pillow", "skip_reason": "Dependency not found on PyPI: pillow (13.0.0)"}


def run_on(monkeypatch, report, *args):
    monkeypatch.setattr(audit_deps.subprocess, "run", fake_pip_audit(report))
    return audit_deps.main(list(args))


def fake_pip_audit(report):
    import json

    class Done:
        returncode = 1

    def run(args, **kwargs):
        with open(args[args.index("--output") + 1], "w") as out:
            json.dump(report, out)
        return Done()

    return run


def test_a_known_vulnerability_fails_and_names_the_fix(monkeypatch, capsys):
    assert run_on(monkeypatch, {"dependencies": [VULNERABLE, CLEAN]}) == 1
    assert "VULNERABLE  django==5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in capsys.readouterr().out


def test_an_advisory_judged_not_to_apply_is_printed_with_why_and_does_not_fail(monkeypatch, capsys):
    pickled = {
        "name": "diskcache",
        "version": "5.6.3",
        "vulns": [{"id": "PYSEC-2026-9", "fix_versions": [], "aliases": ["GHSA-w8v5-vhqr-4h9v"]}],
    }
    assert run_on(monkeypatch, {"dependencies": [pickled, CLEAN]}) == 0
    out = capsys.readouterr().out
    assert "ACCEPTED    diskcache==5.6.3: PYSEC-2026-9: diskcache unpickles" in out
    assert "VULNERABLE" not in out
    assert run_on(monkeypatch, {"dependencies": [pickled, VULNERABLE]}) == 1


def test_clean_pins_pass(monkeypatch, capsys):
    assert run_on(monkeypatch, {"dependencies": [CLEAN]}) == 0
    assert "every package audited" in capsys.readouterr().out


def test_unaudited_packages_are_listed_and_fail_only_when_completeness_is_required(
    monkeypatch, capsys
):
    assert run_on(monkeypatch, {"dependencies": [CLEAN, SKIPPED]}) == 0
    assert "NOT AUDITED pillow: Dependency not found" in capsys.readouterr().out
    assert run_on(monkeypatch, {"dependencies": [CLEAN, SKIPPED]}, "--require-complete") == 3


def test_an_unreachable_advisory_service_is_reported_and_fails_only_when_required(
    monkeypatch, capsys
):
    class Stopped:
        returncode = 1
        stderr = "Traceback ...\nrequests.exceptions.SSLError: certificate verify failed\n"

    monkeypatch.setattr(audit_deps.subprocess, "run", lambda args, **kwargs: Stopped())
    assert audit_deps.main([]) == 0
    err = capsys.readouterr().err
    assert "NOT AUDITED: pip-audit stopped (exit 1)" in err
    assert err.count("\n") == 1 and "SSLError: certificate verify failed" in err
    assert audit_deps.main(["--require-complete"]) == 3
