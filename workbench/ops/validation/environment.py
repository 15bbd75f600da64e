"""Where a validation ran: the machine, Python, the versions of the packages the figures depend
on, and the git commit of the checkout (with whether it had uncommitted changes)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess  # nosec B404 # git and pip for the report's environment, never a shell
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["PACKAGES", "environment"]

#: the packages whose versions move the results or the figures
PACKAGES = (
    "workbench",
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "sqlalchemy",
    "psycopg",
    "vectorbt",
    "numba",
    "fastapi",
    "uvicorn",
    "pydantic",
    "redis",
    "alpaca-py",
    "mcp",
    "papermill",
    "voila",
    "pytest",
    "pytest-xdist",
)


def environment(root: Path) -> dict[str, str]:
    info = {
        "host": platform.node(),
        "platform": platform.platform(),
        "architecture": platform.machine(),
        "cpus": str(os.cpu_count() or 0),
        "memory": _memory(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
    }
    info.update(_git(root))
    for package in PACKAGES:
        try:
            info[f"package {package}"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[f"package {package}"] = "not installed"
    return info


def _memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "unknown"
    return f"{total / 2**30:.1f} GiB"


def _git(root: Path) -> dict[str, str]:
    executable = shutil.which("git")

    def git(*args: str) -> str:
        if executable is None:
            return ""
        # fixed arguments, no shell: only the checkout's path comes from the caller
        done = subprocess.run(  # noqa: S603  # nosec B603 # fixed argv, no shell
            [executable, *args], cwd=root, capture_output=True, text=True, check=False, timeout=30
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
        branch = git("rev-parse", "--abbrev-ref", "HEAD")
    except (OSError, subprocess.SubprocessError):
        commit = changed = branch = ""
    return {
        "git_commit": commit or "unknown (not a git checkout)",
        "git_branch": branch or "unknown",
        "git_uncommitted_changes": "yes" if changed else "no",
    }
