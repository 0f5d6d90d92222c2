"""`make audit`: bandit (static analysis of portal/) and pip-audit (known vulnerabilities in the installed
dependencies). Run from `make test`.

- bandit must be clean: a finding is fixed, or justified where it occurs (`# nosec BXXX - reason`).
- pip-audit must find nothing outside IGNORED (each with a reason). pip-audit needs PyPI's vulnerability
  service; when it cannot be reached (or answers for none of the packages, as behind a mirror), the audit says
  so clearly and does NOT fail the build: an unreachable service is not a vulnerability. Set AUDIT_STRICT=1 to
  make that a failure (e.g. in a CI job with network).
"""
import json
import os
import subprocess  # nosec B404 - runs the two audit tools with fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# vulnerability id -> why it does not affect the portal (none today)
IGNORED: dict[str, str] = {}


def run_bandit() -> int:
    print("== bandit (portal/) ==")
    result = subprocess.run([str(BIN / "bandit"), "-q", "-r", "portal", "-x", "portal/migrations"],  # nosec B603
                            cwd=ROOT, capture_output=True, text=True)
    print(result.stdout.strip() or "bandit: no findings")
    return result.returncode


def run_pip_audit() -> int:
    print("== pip-audit (installed dependencies) ==")
    strict = os.environ.get("AUDIT_STRICT") == "1"
    command = [str(BIN / "pip-audit"), "-l", "--skip-editable", "--progress-spinner", "off", "-f", "json"]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)  # nosec B603
        report = json.loads(result.stdout or "{}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError, FileNotFoundError) as err:
        print(f"pip-audit could not run ({type(err).__name__}); the vulnerability service is probably unreachable.")
        return 1 if strict else 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    found = [(d["name"], d["version"], v["id"], v.get("fix_versions")) for d in audited for v in d.get("vulns", [])]
    for name, version, vuln_id, fixes in found:
        print(f"VULNERABLE {name} {version}: {vuln_id} (fixed in {', '.join(fixes or []) or 'no release yet'})")
    if found:
        return 1
    if dependencies and not audited:
        print(f"pip-audit: the vulnerability service answered for none of the {len(dependencies)} packages "
              "(offline or behind a mirror without the vulnerability data): NOT AUDITED. Run `make audit` where "
              "pypi.org is reachable." + (" AUDIT_STRICT=1: failing." if strict else " Not failing the build."))
        return 1 if strict else 0
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities"
          + (f" ({len(dependencies) - len(audited)} not on PyPI, skipped)" if len(audited) < len(dependencies) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(max(run_bandit(), run_pip_audit()))
