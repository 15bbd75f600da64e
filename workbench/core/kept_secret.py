"""A secret development generates once and keeps in a file readable by its owner only (the
JWT signing secret, the sealing key), so it survives a restart; staging and production never
use these: they need the secret set."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from workbench.core.errors import ConfigError

__all__ = ["kept_secret", "read_private"]


def kept_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    if path.exists():
        return read_private(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # written beside, then linked into place: a racing process either wins or reads a whole file
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(make())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return read_private(path)


def read_private(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is open to other users: chmod 600 {path}")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds no usable secret: delete it to generate a new one")
    return secret
