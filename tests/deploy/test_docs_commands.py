"""Every command shown in docs/deployment/ (the `$ ` lines of its console blocks) is run here,
from the repository's root, on a home holding the sample. Without a container engine on these
machines, `docker build` is checked by hadolint on its Dockerfile and `docker compose ... up`
by the Compose binary's `config -q` on its files: as far as the tools reach."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from tests.deploy.conftest import BIN, REPO, compose_binary, run, tool

pytestmark = pytest.mark.requirement("DEP-06")

DOCS = REPO / "docs" / "deployment"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _commands() -> list[tuple[str, str]]:
    """Each distinct command once, with the first page that shows it."""
    found: dict[str, str] = {}
    for page in sorted(DOCS.glob("*.md")):
        for block in BLOCK.findall(page.read_text()):
            for line in block.splitlines():
                if line.startswith("$ "):
                    found.setdefault(line[2:], page.name)
    return [(page, command) for command, page in found.items()]


COMMANDS = _commands()


def test_the_pages_show_commands() -> None:
    assert len(COMMANDS) >= 12
    assert {page for page, _ in COMMANDS} >= {"installation.md", "operations.md"}


def _as_run(command: str) -> list[str]:
    words = shlex.split(command)
    assignments = [w for w in words if re.fullmatch(r"[A-Z_]+=\S*", w)]
    words = words[len(assignments) :]
    if words[:2] == ["docker", "build"]:
        return [tool("hadolint"), words[words.index("-f") + 1]]
    if words[:2] == ["docker", "compose"]:
        files = [words[i + 1] for i, w in enumerate(words) if w == "-f"]
        return [compose_binary(), *(a for f in files for a in ("-f", f)), "config", "-q"]
    if words[0] == "workbench":
        return [str(BIN / "workbench"), *words[1:]]
    return words


@pytest.fixture(scope="module")
def deployed_home(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home as a deployment has it: the sample lake and a migrated ledger (the migration
    Job runs before anything else starts)."""
    from workbench.testing import copy_lake

    home = tmp_path_factory.mktemp("deployed")
    copy_lake(shared_sample_lake, home / "lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    run(str(BIN / "workbench"), "db", "upgrade", env={**env, "WB_HOME": str(home)})
    return home


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_the_command_runs(page: str, command: str, deployed_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    env |= {"WB_HOME": str(deployed_home), "PATH": f"{BIN}:{env.get('PATH', '')}"}
    env |= dict(w.split("=", 1) for w in shlex.split(command) if re.fullmatch(r"[A-Z_]+=\S*", w))
    answer = run(*_as_run(command), env=env, check=False)
    assert answer.returncode == 0, f"{page}: {command}\n{answer.stdout}\n{answer.stderr}"
