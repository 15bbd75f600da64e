"""Who may use the workbench: users and their API keys. Secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.ledger.models.base import Base, CreatedAt, IdMixin
from workbench.ledger.sqltypes import enum_type, utcnow
from workbench.model import Role

__all__ = ["ApiKeyRow", "UserRow"]


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
