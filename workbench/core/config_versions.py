"""Versions of the settings files (``deploy/config/<env>.yaml``).

Every file says which version of the format it is written in (``version: N`` at the top). A
file from an older workbench is read through the migration steps below, oldest first, and
``workbench config migrate`` rewrites it in place; a file from a newer workbench, or with a
version that is not a number, is refused with a message that says so. Files written before
versions existed have none and are version 0.

Each step is ``version -> document of version + 1``; add one whenever a setting is renamed or
moves, and bump ``CONFIG_VERSION``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.core.errors import ConfigError

__all__ = ["CONFIG_VERSION", "migrate_file", "upgrade_document"]

#: the format this workbench writes and reads without migrating
CONFIG_VERSION = 1

Document = dict[str, Any]


def _from_unversioned(document: Document) -> Document:
    # version 1 is the first versioned format: the settings are unchanged, the stamp is new
    return dict(document)


_STEPS: dict[int, Callable[[Document], Document]] = {0: _from_unversioned}


def file_version(document: Document, path: Path | str) -> int:
    version = document.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ConfigError(f"{path}: 'version' must be a whole number, not {version!r}")
    if version > CONFIG_VERSION:
        raise ConfigError(
            f"{path}: written for settings version {version}, but this workbench reads "
            f"versions up to {CONFIG_VERSION}: upgrade the workbench, or use a file for it"
        )
    return version


def upgrade_document(document: Document, path: Path | str) -> Document:
    """The settings of ``document`` in the current format, without the ``version`` key."""
    version = file_version(document, path)
    upgraded = {k: v for k, v in document.items() if k != "version"}
    for step in range(version, CONFIG_VERSION):
        upgraded = _STEPS[step](upgraded)
    return upgraded


_VERSION_LINE = re.compile(r"^version:.*$", re.MULTILINE)


def migrate_file(path: Path) -> tuple[int, int]:
    """Rewrite ``path`` in the current format, keeping its comments when only the stamp
    changes; returns (the version it had, the version it has). The file is replaced whole or
    not at all."""
    import yaml

    text = path.read_text()
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    before = file_version(document, path)
    if before == CONFIG_VERSION:
        return before, before
    settings = upgrade_document(document, path)
    stamp = f"version: {CONFIG_VERSION}"
    if settings == {k: v for k, v in document.items() if k != "version"}:
        new_text = (
            _VERSION_LINE.sub(stamp, text) if _VERSION_LINE.search(text) else f"{stamp}\n{text}"
        )
    else:
        body = yaml.safe_dump(settings, sort_keys=False)
        new_text = f"# migrated from settings version {before}\n{stamp}\n{body}"
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(new_text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return before, CONFIG_VERSION
