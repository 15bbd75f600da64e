"""``workbench users`` and ``workbench keys`` as an operator runs them: real processes, the
ledger under WB_HOME, and the key they print authenticating through ``workbench.ops``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.config import load_settings
from workbench.model import Role
from workbench.ops import auth
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-01")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
PASSWORD = "correct horse battery staple"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ADMIN_PW": PASSWORD, **env},
        check=False,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


def test_admin_user_and_key_from_the_command_line(wb_home: Path) -> None:
    admin = run("users", "create-admin", "root", "--password-env", "ADMIN_PW", "--json")
    assert admin.returncode == 0, admin.stderr
    assert json.loads(admin.stdout)["role"] == "admin"
    again = run("users", "create-admin", "root2", "--password-env", "ADMIN_PW")
    assert again.returncode == 1
    assert "an admin already exists" in _one_error_line(again)

    added = run("users", "add", "alice", "--role", "trader", "--password-env", "ADMIN_PW")
    assert added.returncode == 0, added.stderr
    created = run("keys", "create", "--user", "alice", "--role", "analyst", "--json")
    assert created.returncode == 0, created.stderr
    document = json.loads(created.stdout)
    key = document["key"]
    assert key.startswith(document["prefix"] + "_") and document["role"] == "analyst"

    with Runtime.from_settings(load_settings()) as rt:
        principal = auth.authenticate(rt, key)
    assert (principal.user, principal.role, principal.via) == ("alice", Role.ANALYST, "key")

    listed = run("keys", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert key not in listed.stdout
    assert [k["prefix"] for k in json.loads(listed.stdout)] == [document["prefix"]]
    users = json.loads(run("users", "list", "--json").stdout)
    assert {u["username"]: u["role"] for u in users} == {"root": "admin", "alice": "trader"}
    assert PASSWORD not in run("audit", "show", "--json").stdout


def test_bad_input_is_one_line_on_stderr(wb_home: Path) -> None:
    unset = run("users", "create-admin", "--password-env", "WB_NO_SUCH_VARIABLE")
    assert unset.returncode == 1
    assert "WB_NO_SUCH_VARIABLE" in _one_error_line(unset)
    short = run("users", "create-admin", "--password-env", "SHORT", SHORT="tiny")
    assert short.returncode == 1
    assert "at least 12" in _one_error_line(short)
    nobody = run("keys", "create", "--user", "nobody")
    assert nobody.returncode == 1
    assert "nobody" in _one_error_line(nobody)
    bad_role = run("users", "add", "bob", "--role", "superuser", "--password-env", "ADMIN_PW")
    assert bad_role.returncode == 2
    assert "superuser" in bad_role.stderr and "Traceback" not in bad_role.stderr


def test_the_password_prompt_asks_twice(wb_home: Path) -> None:
    # no terminal (a new session): getpass falls back to stdin, as when piped
    def prompted(answers: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [WORKBENCH, "users", "create-admin", "boss"],
            input=answers,
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,
            check=False,
        )

    mismatch = prompted(f"{PASSWORD}\nsomething else entirely\n")
    assert mismatch.returncode != 0 and "do not match" in mismatch.stderr + mismatch.stdout
    matched = prompted(f"{PASSWORD}\n{PASSWORD}\n")
    assert matched.returncode == 0, matched.stderr
    with Runtime.from_settings(load_settings()) as rt:
        assert auth.login(rt, "boss", PASSWORD).access_token
