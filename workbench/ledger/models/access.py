"""Who may use the workbench: users, their API keys and refresh tokens, and the failed-login
count behind lockout; and the keys the workbench holds for a broker. Our own users' secrets are
stored only as hashes; a broker's keys, which must be sent as they are, only sealed
(workbench.core.sealing) under a key kept outside the ledger."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.ledger.models.base import Base, CreatedAt, IdMixin
from workbench.ledger.sqltypes import enum_type, utcnow
from workbench.model import Role

__all__ = ["ApiKeyRow", "BrokerCredentialRow", "LoginThrottleRow", "RefreshTokenRow", "UserRow"]


class UserRow(IdMixin, CreatedAt, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    api_keys: Mapped[list[ApiKeyRow]] = relationship(
        back_populates="user", order_by="ApiKeyRow.id", passive_deletes=True
    )


class ApiKeyRow(IdMixin, CreatedAt, Base):
    """An API key. ``prefix`` is the visible start of the key, shown to people and used to find
    the row; ``key_hash`` is what a presented key is checked against. A key may carry a lower
    role than its user; it is refused once revoked or expired."""

    __tablename__ = "api_keys"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(64))
    prefix: Mapped[str] = mapped_column(sa.String(16), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[UserRow] = relationship(back_populates="api_keys")


class RefreshTokenRow(IdMixin, CreatedAt, Base):
    """One refresh token of a login session. Every refresh spends the token and issues the next
    in the same ``family_id``; a spent token presented again revokes the whole family."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginThrottleRow(Base):
    """Failed logins in a row for one username (known or not, so lockout reveals nothing), kept
    in the ledger so the count holds across processes."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BrokerCredentialRow(IdMixin, CreatedAt, Base):
    """A venue's keys, each sealed (Fernet) under the key ``sealed_with`` names by fingerprint;
    ``hint`` is the key id's last four characters, so people can tell which keys are stored."""

    __tablename__ = "broker_credentials"

    venue: Mapped[str] = mapped_column(sa.String(32), unique=True)
    api_key_sealed: Mapped[str] = mapped_column(sa.Text)
    secret_key_sealed: Mapped[str] = mapped_column(sa.Text)
    hint: Mapped[str] = mapped_column(sa.String(8))
    sealed_with: Mapped[str] = mapped_column(sa.String(16))
    stored_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
