"""Sealing secrets the workbench must keep and later use as they were (broker keys).

Passwords and API keys of our own users are stored as hashes: we only ever compare them. A
broker's keys must be sent to the broker, so they are stored encrypted instead: Fernet
(AES-128-CBC with an HMAC-SHA256, from ``cryptography``; no hand-written cryptography here) under
a key that lives outside the ledger, in the environment (``WB_SECRETS__KEY``). Rotation keeps
the previous keys readable (``WB_SECRETS__PREVIOUS_KEYS``, comma-separated) until every sealed
value has been resealed under the new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.core.errors import ConfigError, DataError
from workbench.core.kept_secret import kept_secret

if TYPE_CHECKING:
    from workbench.core.config import Settings

__all__ = ["Sealer", "key_fingerprint", "new_sealing_key", "sealer_for"]


def new_sealing_key() -> str:
    """A fresh key, in the form ``WB_SECRETS__KEY`` takes (url-safe base64 of 32 random bytes)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def key_fingerprint(key: str) -> str:
    """A short public name of a key (its SHA-256, cut): tells which key sealed a value without
    revealing anything of it."""
    return hashlib.sha256(key.strip().encode()).hexdigest()[:12]


class Sealer:
    """Seals under ``key``; opens what ``key`` or any of ``previous`` sealed."""

    def __init__(self, key: str, previous: Sequence[str] = (), *, setting: str = "WB_SECRETS__KEY"):
        from cryptography.fernet import Fernet, MultiFernet

        keys = [key.strip(), *(k.strip() for k in previous if k.strip())]
        ciphers = []
        for position, text in enumerate(keys):
            name = setting if position == 0 else "WB_SECRETS__PREVIOUS_KEYS"
            try:
                ciphers.append(Fernet(text.encode()))
            except (ValueError, TypeError):
                raise ConfigError(
                    f"{name} is not a sealing key (32 url-safe base64-encoded bytes); "
                    "make one with `workbench secrets new-key`"
                ) from None
        self._cipher = MultiFernet(ciphers)
        self.fingerprint = key_fingerprint(keys[0])
        self.known_fingerprints = frozenset(key_fingerprint(k) for k in keys)

    def seal(self, plain: str) -> str:
        return self._cipher.encrypt(plain.encode()).decode()

    def open(self, sealed: str, *, what: str = "a sealed value") -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise DataError(
                f"{what} cannot be opened with WB_SECRETS__KEY or WB_SECRETS__PREVIOUS_KEYS: "
                "it was sealed under another key (set the old key in WB_SECRETS__PREVIOUS_KEYS) "
                "or it was altered"
            ) from None

    def reseal(self, sealed: str, *, what: str = "a sealed value") -> str:
        """The same secret sealed under the current key (after a rotation)."""
        self.open(sealed, what=what)  # the clear error, not cryptography's
        return self._cipher.rotate(sealed.encode()).decode()


def sealer_for(settings: Settings) -> Sealer:
    """``WB_SECRETS__KEY`` (with ``WB_SECRETS__PREVIOUS_KEYS``); in development, when it is not
    set, a key generated once and kept in ``<home>/secrets/sealing``; staging and production
    refuse rather than seal under a key nobody chose."""
    configured = settings.secrets
    previous = []
    if configured.previous_keys is not None:
        previous = configured.previous_keys.get_secret_value().split(",")
    if configured.key is not None:
        return Sealer(configured.key.get_secret_value(), previous)
    if settings.env != "development":
        raise ConfigError(
            f"no sealing key is configured, so {settings.env} neither stores nor reads broker "
            "keys in the ledger: set WB_SECRETS__KEY or WB_SECRETS__KEY_FILE "
            "(`workbench secrets new-key` makes one)"
        )
    path = settings.home / "secrets" / "sealing"
    return Sealer(kept_secret(path, make=new_sealing_key), previous, setting=str(path))
