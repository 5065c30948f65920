"""pip-audit over the locked dependencies: fails on any known vulnerability.

The vulnerability services (PyPI's JSON API, OSV) may be out of reach (these CI machines reach
only a package mirror): then every package is reported as not audited, which this script says
plainly instead of passing it off as "no vulnerabilities".
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(
            subprocess.run(
                [
                    "uv",
                    "export",
                    "--frozen",
                    "--format",
                    "requirements-txt",
                    "--no-hashes",
                    "--all-extras",
                    "--no-emit-project",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        done = subprocess.run(
            [
                "uv",
                "run",
                "pip-audit",
                "-r",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "-f",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stdout + done.stderr)
        print("pip-audit: no report (the vulnerability service is unreachable)")
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unaudited = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']} {dep['version']}: {ids}")
    print(
        f"pip-audit: {len(dependencies)} packages, {len(vulnerable)} vulnerable, "
        f"{len(unaudited)} not audited (vulnerability service unreachable from here)"
        if unaudited
        else f"pip-audit: {len(dependencies)} packages, {len(vulnerable)} vulnerable"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
