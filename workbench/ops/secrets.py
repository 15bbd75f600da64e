"""Where the access-token signing secret comes from.

``WB_API__JWT_SECRET`` (or the file ``WB_API__JWT_SECRET_FILE`` names) when it is set. When it
is not, development generates one secret and keeps it in ``<home>/secrets/jwt``, readable by
the owner only, so tokens survive a restart; staging and production refuse to issue or accept
tokens at all rather than sign with a secret nobody chose.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from workbench.core.config import DEFAULT_JWT_SECRET, Settings
from workbench.core.errors import ConfigError
from workbench.core.security import TokenSigner

__all__ = ["development_secret_path", "token_signer"]


def development_secret_path(settings: Settings) -> Path:
    return settings.home / "secrets" / "jwt"


def token_signer(settings: Settings) -> TokenSigner:
    api = settings.api
    try:
        return TokenSigner(
            secret=_secret(settings),
            issuer=api.jwt_issuer,
            audience=api.jwt_audience,
            algorithm=api.jwt_algorithm,
        )
    except ValueError as exc:
        raise ConfigError(f"api.jwt_secret (WB_API__JWT_SECRET): {exc}") from None


def _secret(settings: Settings) -> str:
    configured = settings.api.jwt_secret.get_secret_value()
    if configured != DEFAULT_JWT_SECRET:
        return configured
    if settings.env != "development":
        raise ConfigError(
            f"no JWT secret is configured, so {settings.env} issues and accepts no tokens: "
            "set WB_API__JWT_SECRET or WB_API__JWT_SECRET_FILE"
        )
    return _kept_secret(development_secret_path(settings))


def _kept_secret(path: Path) -> str:
    if path.exists():
        return _read_private(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # written beside, then linked into place: a racing process either wins or reads a whole file
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_private(path)


def _read_private(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is open to other users: chmod 600 {path}")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(f"{path} holds no usable JWT secret: delete it to generate a new one")
    return secret
