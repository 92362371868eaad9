"""Check the pinned requirements against the Python advisory database (pip-audit).

    python scripts/audit_deps.py [--require-complete] [requirements files...]

Exit 1 when a pinned package has a known vulnerability. pip-audit asks PyPI's JSON API for each
pinned version; where that API cannot be reached or does not answer for a version, the package is
reported as NOT AUDITED: the exit code stays 0 (a closed network must not fail every CI run) unless
--require-complete is given (AUDIT_DEPS_REQUIRE_COMPLETE=true does the same).
"""

import json
import os
import subprocess
import sys
import tempfile

# Advisories read and judged not to apply here, by any of their ids: printed, never failing.
ACCEPTED = {
    "GHSA-w8v5-vhqr-4h9v": (
        "diskcache unpickles what it reads from its directory, as Django's own file, database "
        "and Redis caches unpickle what they read; only the app's user may write CACHE_DIR"
    ),
}


def verdict(report: dict) -> tuple[list[str], list[str], list[str]]:
    """(vulnerabilities, accepted advisories, packages not audited) from pip-audit's JSON
    report."""
    vulnerable, accepted, skipped = [], [], []
    for dep in report.get("dependencies", []):
        name = f"{dep['name']}=={dep['version']}" if dep.get("version") else dep["name"]
        if "skip_reason" in dep:
            skipped.append(f"{name}: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            reason = next((ACCEPTED[id_] for id_ in ids if id_ in ACCEPTED), None)
            if reason:
                accepted.append(f"{name}: {vuln['id']}: {reason}")
                continue
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            vulnerable.append(f"{name}: {vuln['id']} (fixed in {fixes})")
    return vulnerable, accepted, skipped


def _last_line(text) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def main(argv: list[str]) -> int:
    require_complete = os.environ.get("AUDIT_DEPS_REQUIRE_COMPLETE", "").lower() == "true"
    if "--require-complete" in argv:
        argv.remove("--require-complete")
        require_complete = True
    files = argv or ["requirements.txt"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "audit.json")
        args = [sys.executable, "-m", "pip_audit", "--format", "json", "--output", out]
        args += ["--progress-spinner", "off"]
        for path in files:
            args += ["--requirement", path]
        # pip-audit's own traceback is noise when the network is closed: keep its last line.
        result = subprocess.run(args, stderr=subprocess.PIPE, text=True)
        if not os.path.exists(out):
            # No report at all: the advisory service could not be reached (closed network, TLS
            # interception). Same rule as for single packages: say so, fail only on request.
            print(
                f"NOT AUDITED: pip-audit stopped (exit {result.returncode}) before auditing; "
                f"PyPI's JSON API could not be reached: {_last_line(result.stderr)}",
                file=sys.stderr,
            )
            return 3 if require_complete else 0
        with open(out) as report:
            vulnerable, accepted, skipped = verdict(json.load(report))
    for line in vulnerable:
        print(f"VULNERABLE  {line}")
    for line in accepted:
        print(f"ACCEPTED    {line}")
    for line in skipped:
        print(f"NOT AUDITED {line}")
    print(
        f"{len(vulnerable)} known vulnerabilities; {len(skipped)} packages could not be audited "
        "(PyPI's JSON API unreachable or without that version)."
        if skipped
        else f"{len(vulnerable)} known vulnerabilities; every package audited."
    )
    if vulnerable:
        return 1
    if skipped and require_complete:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
