"""Where the access-token signing secret comes from.

``WB_API__JWT_SECRET`` (or the file ``WB_API__JWT_SECRET_FILE`` names) when it is set. When it
is not, development generates one secret and keeps it in ``<home>/secrets/jwt``, readable by
the owner only, so tokens survive a restart; staging and production refuse to issue or accept
tokens at all rather than sign with a secret nobody chose. The sealing key of broker keys
(``WB_SECRETS__KEY``, workbench.core.sealing) follows the same rule.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.config import DEFAULT_JWT_SECRET, Settings
from workbench.core.errors import ConfigError
from workbench.core.kept_secret import kept_secret
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
    return kept_secret(development_secret_path(settings))
