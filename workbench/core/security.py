"""The pure parts of authentication: password hashes, secret formats, access tokens.

Floor 1, so the ledger, the use cases and any face share one spelling of each secret and one
verifier; nothing here touches a store. The use cases in ``workbench.ops.auth`` decide who may
have a token; this module only makes and checks them.

- Passwords: argon2id (argon2-cffi's defaults), salted, slow on purpose.
- API keys ``wbk_<8 hex>_<43 chars>`` and refresh tokens ``wbr_<43 chars>``: 256 random bits,
  so one SHA-256 is enough to store them; a slow hash would only slow every request.
- Access tokens: JWTs signed with the one configured HMAC algorithm; a header naming any other
  algorithm (``none`` included) or another key id is refused before the signature is read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.core.errors import AuthError

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "API_KEY_PREFIX",
    "REFRESH_TOKEN_PREFIX",
    "AccessClaims",
    "TokenSigner",
    "api_key_prefix",
    "hash_password",
    "key_id_of",
    "looks_like_api_key",
    "looks_like_refresh_token",
    "new_api_key",
    "new_refresh_token",
    "password_needs_rehash",
    "secret_digest",
    "verify_password",
]

API_KEY_PREFIX = "wbk_"
REFRESH_TOKEN_PREFIX = "wbr_"  # noqa: S105  # nosec B105 # a format marker, not a secret
ACCESS_TOKEN_TYPE = "access"  # noqa: S105  # nosec B105 # the JWT typ claim
_ALGORITHMS = ("HS256", "HS384", "HS512")
#: bytes of randomness in a key or refresh token (256 bits)
_ENTROPY = 32


# --- passwords ------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the parameters travel inside the hash)."""
    from argon2 import PasswordHasher

    if not password:
        raise ValueError("a password must not be empty")
    return PasswordHasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash too."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    from argon2 import PasswordHasher

    return PasswordHasher().check_needs_rehash(password_hash)


# --- opaque secrets ---------------------------------------------------------------------------


def secret_digest(secret: str) -> str:
    """SHA-256 (hex) of a high-entropy secret: what the ledger stores and looks a key up by."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh API key and its visible prefix (``wbk_1a2b3c4d``), which is the key's start."""
    prefix = API_KEY_PREFIX + secrets.token_hex(4)
    return f"{prefix}_{secrets.token_urlsafe(_ENTROPY)}", prefix


def looks_like_api_key(text: str) -> bool:
    head, _, body = text.partition(API_KEY_PREFIX)
    prefix_hex, sep, secret = body.partition("_")
    return (
        head == ""
        and sep == "_"
        and len(prefix_hex) == 8
        and all(c in "0123456789abcdef" for c in prefix_hex)
        and len(secret) >= 40
    )


def api_key_prefix(key: str) -> str:
    return key[: len(API_KEY_PREFIX) + 8]


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(_ENTROPY)


def looks_like_refresh_token(text: str) -> bool:
    return text.startswith(REFRESH_TOKEN_PREFIX)


# --- access tokens ----------------------------------------------------------------------------


def key_id_of(secret: str) -> str:
    """A public name for a signing secret (the JWT ``kid``): changing the secret changes it,
    so a token signed before a secret rotation is refused by name, not by a bad signature."""
    return hashlib.sha256(b"workbench-jwt-kid:" + secret.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: int
    username: str
    role: str
    #: the login session (refresh-token family) this token belongs to; logout revokes it
    session_id: str
    token_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TokenSigner:
    """Issues and verifies access tokens for one secret, issuer and audience."""

    secret: str
    issuer: str
    audience: str
    algorithm: str = "HS256"

    def __post_init__(self) -> None:
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"unsupported JWT algorithm {self.algorithm!r}: use {_ALGORITHMS}")
        # RFC 7518 3.2: an HMAC key at least as long as the hash
        needed = int(self.algorithm[2:]) // 8
        if len(self.secret.encode("utf-8")) < needed:
            raise ValueError(f"a JWT secret for {self.algorithm} must be at least {needed} bytes")

    @property
    def key_id(self) -> str:
        return key_id_of(self.secret)

    def issue(
        self,
        *,
        user_id: int,
        username: str,
        role: str,
        session_id: str,
        ttl: timedelta,
        now: datetime | None = None,
    ) -> tuple[str, AccessClaims]:
        import jwt

        issued = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        claims = AccessClaims(
            user_id=user_id,
            username=username,
            role=role,
            session_id=session_id,
            token_id=uuid.uuid4().hex,
            issued_at=issued,
            expires_at=issued + ttl,
        )
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": username,
            "uid": user_id,
            "role": role,
            "sid": session_id,
            "typ": ACCESS_TOKEN_TYPE,
            "jti": claims.token_id,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        token = jwt.encode(
            payload, self.secret, algorithm=self.algorithm, headers={"kid": self.key_id}
        )
        return token, claims

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid access token, or AuthError saying what is wrong with it."""
        import jwt

        self._check_header(token)
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the access token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the access token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise AuthError("the access token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the access token's signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"the access token is invalid: {exc}") from None
        if payload.get("typ") != ACCESS_TOKEN_TYPE:
            raise AuthError("this token is not an access token")
        try:
            return AccessClaims(
                user_id=int(payload["uid"]),
                username=str(payload["sub"]),
                role=str(payload["role"]),
                session_id=str(payload["sid"]),
                token_id=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(payload["iat"], UTC),
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (KeyError, TypeError, ValueError):
            raise AuthError("the access token lacks the workbench's claims") from None

    def _check_header(self, token: str) -> None:
        import jwt

        try:
            header: dict[str, Any] = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthError("the access token is not a JWT") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm.lower() == "none":
            raise AuthError("unsigned access tokens (alg none) are refused")
        if algorithm != self.algorithm:
            raise AuthError(f"access tokens signed with {algorithm} are refused")
        if not hmac.compare_digest(str(header.get("kid", "")), self.key_id):
            raise AuthError("the access token names an unknown signing key")
