"""``workbench secrets`` as an operator runs it: keys piped in or read from mounted files,
sealed in the ledger under WB_HOME, never echoed, and a refusal in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.sealing import key_fingerprint

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-09")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
KEY_ID, SECRET = "PKCLI00000077", "cli-secret-0a1b2c3d4e5f"


def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


def test_keys_piped_in_and_from_files_are_sealed_listed_and_resealed(
    wb_home: Path, tmp_path: Path
) -> None:
    made = run("secrets", "new-key")
    assert made.returncode == 0, made.stderr
    old = made.stdout.strip()
    stored = run(
        "secrets",
        "set-broker",
        "alpaca",
        "--json",
        stdin=f"{KEY_ID}\n{SECRET}\n",
        WB_SECRETS__KEY=old,
    )
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["hint"] == "0077"
    assert (
        KEY_ID not in stored.stdout + stored.stderr and SECRET not in stored.stdout + stored.stderr
    )

    new = run("secrets", "new-key").stdout.strip()
    resealed = run(
        "secrets", "reseal", "--json", WB_SECRETS__KEY=new, WB_SECRETS__PREVIOUS_KEYS=old
    )
    assert resealed.returncode == 0, resealed.stderr
    assert json.loads(resealed.stdout)[0]["sealed_with"] == key_fingerprint(new)

    (tmp_path / "id").write_text(KEY_ID + "\n")
    missing = run(
        "secrets",
        "set-broker",
        "alpaca",
        "--api-key-file",
        str(tmp_path / "id"),
        "--secret-key-file",
        str(tmp_path / "absent"),
        WB_SECRETS__KEY=new,
    )
    assert missing.returncode == 2 and "absent: No such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr

    refused = run("secrets", "list", WB_ENV="production")
    assert refused.returncode == 0, refused.stderr  # listing needs no key: it shows no secret
    assert "alpaca" in refused.stdout and "no" in refused.stdout
    unsealable = run("secrets", "reseal", WB_ENV="production")
    assert unsealable.returncode == 1
    assert unsealable.stderr.startswith("error: no sealing key is configured, so production")
