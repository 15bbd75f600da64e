"""Access tokens, passwords and secret formats: every way a token can be wrong is refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from workbench.core.errors import AuthError
from workbench.core.security import (
    TokenSigner,
    api_key_prefix,
    hash_password,
    key_id_of,
    looks_like_api_key,
    looks_like_refresh_token,
    new_api_key,
    new_refresh_token,
    secret_digest,
    verify_password,
)

pytestmark = pytest.mark.requirement("SEC-01")

SECRET = "s" * 64
OTHER_SECRET = "t" * 64


def _signer(**changes: str) -> TokenSigner:
    values = {"secret": SECRET, "issuer": "workbench", "audience": "workbench-api"}
    values.update(changes)
    return TokenSigner(**values)


def _issue(signer: TokenSigner, *, ttl: timedelta = timedelta(minutes=15), now=None) -> str:
    token, _ = signer.issue(
        user_id=7, username="alice", role="trader", session_id="f" * 32, ttl=ttl, now=now
    )
    return token


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_fresh_token_verifies_to_its_claims() -> None:
    signer = _signer()
    claims = signer.verify(_issue(signer))
    assert (claims.user_id, claims.username, claims.role) == (7, "alice", "trader")
    assert claims.session_id == "f" * 32
    assert claims.expires_at - claims.issued_at == timedelta(minutes=15)


def test_an_expired_token_is_refused() -> None:
    signer = _signer()
    token = _issue(signer, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(AuthError, match="expired"):
        signer.verify(token)


def test_another_audience_is_refused() -> None:
    token = _issue(_signer(audience="someone-else"))
    with pytest.raises(AuthError, match="audience"):
        _signer().verify(token)


def test_another_issuer_is_refused() -> None:
    token = _issue(_signer(issuer="elsewhere"))
    with pytest.raises(AuthError, match="issuer"):
        _signer().verify(token)


def test_a_bad_signature_is_refused() -> None:
    token = _issue(_signer())
    head, body, signature = token.split(".")
    forged = ".".join(
        [head, body, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    with pytest.raises(AuthError, match="signature"):
        _signer().verify(forged)


def test_a_tampered_payload_fails_the_signature() -> None:
    token = _issue(_signer())
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["role"] = "admin"
    with pytest.raises(AuthError, match="signature"):
        _signer().verify(".".join([head, _b64(claims), signature]))


def test_alg_none_is_refused_before_anything_else() -> None:
    claims = jwt.decode(_issue(_signer()), options={"verify_signature": False})
    for spelling in ("none", "None", "NONE"):
        unsigned = (
            f"{_b64({'alg': spelling, 'typ': 'JWT', 'kid': key_id_of(SECRET)})}.{_b64(claims)}."
        )
        with pytest.raises(AuthError, match="alg none"):
            _signer().verify(unsigned)


def test_any_other_algorithm_is_refused() -> None:
    claims = jwt.decode(_issue(_signer()), options={"verify_signature": False})
    token = jwt.encode(claims, SECRET, algorithm="HS512", headers={"kid": key_id_of(SECRET)})
    with pytest.raises(AuthError, match="HS512"):
        _signer().verify(token)


def test_a_tampered_or_unknown_key_id_is_refused() -> None:
    token = _issue(_signer())
    _head, body, signature = token.split(".")
    header = {"alg": "HS256", "typ": "JWT", "kid": "0" * 16}
    with pytest.raises(AuthError, match="unknown signing key"):
        _signer().verify(".".join([_b64(header), body, signature]))
    # a token signed under a previous secret names that secret's key id
    with pytest.raises(AuthError, match="unknown signing key"):
        _signer().verify(_issue(_signer(secret=OTHER_SECRET)))


def test_a_refresh_typed_token_is_not_an_access_token() -> None:
    claims = jwt.decode(_issue(_signer()), options={"verify_signature": False})
    claims["typ"] = "refresh"
    token = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": key_id_of(SECRET)})
    with pytest.raises(AuthError, match="not an access token"):
        _signer().verify(token)


def test_garbage_is_not_a_jwt() -> None:
    with pytest.raises(AuthError, match="not a JWT"):
        _signer().verify("not-a-token")


def test_a_short_secret_or_unknown_algorithm_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        _signer(secret="short")
    with pytest.raises(ValueError, match="64 bytes"):
        _signer(secret="s" * 48, algorithm="HS512")
    with pytest.raises(ValueError, match="algorithm"):
        _signer(algorithm="none")


def test_passwords_hash_with_argon2id_and_verify() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batter")
    assert not verify_password("not-a-hash", "correct horse battery")
    assert hash_password("correct horse battery") != stored  # salted


def test_api_keys_have_a_visible_prefix_and_high_entropy() -> None:
    key, prefix = new_api_key()
    assert key.startswith(prefix + "_") and api_key_prefix(key) == prefix
    assert prefix.startswith("wbk_") and len(prefix) == 12
    assert looks_like_api_key(key)
    assert len(key) - len(prefix) - 1 >= 43  # 32 random bytes in base64url
    assert new_api_key()[0] != key
    assert not looks_like_api_key("wbk_nothex!!_" + "x" * 43)
    assert not looks_like_api_key(prefix + "_short")
    assert secret_digest(key) == secret_digest(key) and len(secret_digest(key)) == 64
    assert key not in secret_digest(key)


def test_refresh_tokens_are_recognisable_and_unique() -> None:
    token = new_refresh_token()
    assert looks_like_refresh_token(token) and not looks_like_api_key(token)
    assert token != new_refresh_token()
