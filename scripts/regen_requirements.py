"""Regenerate docs/requirements.md's tables (between the requirements-trace markers) from the
catalogue (workbench/ops/validation/requirements.toml) and the tests' requirement markers.

Run from the project root: ``.venv/bin/python scripts/regen_requirements.py``. Prints what still
breaks the trace (a requirement without a test, an unknown id) and exits 1 when anything does.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package, whichever one the venv installed

from workbench.ops.validation import (  # noqa: E402
    refresh_document,
    requirements,
    scan_tests,
    trace_problems,
)

DOCUMENT = ROOT / "docs" / "requirements.md"


def main() -> int:
    scan = scan_tests(ROOT / "tests", relative_to=ROOT)
    DOCUMENT.write_text(refresh_document(DOCUMENT.read_text(), requirements(), scan))
    print(f"{DOCUMENT.relative_to(ROOT)} regenerated")
    problems = trace_problems(requirements(), scan)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
