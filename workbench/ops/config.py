"""Use cases of configuration: show settings with secrets masked, and validate an environment."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from workbench.core.config import (
    DEFAULT_JWT_SECRET,
    ENVIRONMENTS,
    Settings,
    load_settings,
    secret_fields,
)
from workbench.core.errors import ConfigError
from workbench.core.outputs import private_folder

__all__ = ["ConfigCheck", "ConfigMigration", "masked_settings", "migrate", "validate"]

MASK = "********"


@dataclass(frozen=True)
class ConfigCheck:
    env: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ConfigMigration:
    path: str
    was: int
    now: int

    @property
    def changed(self) -> bool:
        return self.was != self.now


def migrate(target: str | None = None) -> ConfigMigration:
    """Rewrite a settings file in the current format: ``target`` is a path, or an environment
    name (its file in the config folder); default the selected environment's."""
    from pathlib import Path

    from workbench.core.config import config_dir
    from workbench.core.config_versions import migrate_file

    name = target or os.environ.get("WB_ENV", "development")
    if name in ENVIRONMENTS:
        folder = config_dir()
        if folder is None:
            raise ConfigError("no settings folder: set WB_CONFIG_DIR or give a file's path")
        path = folder / f"{name}.yaml"
    else:
        path = Path(name)
    if not path.is_file():
        raise ConfigError(f"no settings file at {path}")
    was, now = migrate_file(path)
    return ConfigMigration(str(path), was, now)


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Every setting, with secrets as ``********`` (or null when unset)."""
    data = settings.model_dump(mode="json")
    for name in secret_fields():
        *parents, last = name.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = None if node.get(last) is None else MASK
    data["ledger_url"] = (
        _masked_url(settings) if settings.ledger_url else f"(default) {settings.ledger_dsn}"
    )
    return data


def validate(env: str | None = None) -> ConfigCheck:
    """Check the schema, then the environment the settings need; collect every problem."""
    if env is not None and env not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    saved = os.environ.get("WB_ENV")
    if env is not None:
        os.environ["WB_ENV"] = env
    try:
        try:
            settings = load_settings()
        except ConfigError as error:
            return ConfigCheck(
                env=env or saved or "development", problems=error.problems or [error.message]
            )
        checks = [_home, _ledger, _redis, _broker, _production_rules]
        problems = [p for check in checks for p in check(settings)]
        return ConfigCheck(
            env=settings.env, problems=problems, checked=[c.__name__.strip("_") for c in checks]
        )
    finally:
        if env is not None:
            if saved is None:
                os.environ.pop("WB_ENV", None)
            else:
                os.environ["WB_ENV"] = saved


def _home(settings: Settings) -> list[str]:
    try:
        private_folder(settings.home, tighten=False)
        with tempfile.NamedTemporaryFile(dir=settings.home):
            pass
    except OSError as exc:
        return [f"home: {settings.home} is not writable ({exc.strerror})"]
    return []


def _ledger(settings: Settings) -> list[str]:
    import sqlalchemy as sa

    from workbench.ledger import Ledger

    try:
        ledger = Ledger.from_url(settings.ledger_dsn)
        try:
            with ledger.engine.connect() as connection:
                connection.execute(sa.text("select 1"))
        finally:
            ledger.dispose()
    except Exception as exc:
        return [f"ledger: cannot connect to {_masked_url(settings)}: {_first_line(exc)}"]
    return []


def _redis(settings: Settings) -> list[str]:
    if settings.redis_url is None:
        return []
    import redis

    client = redis.Redis.from_url(settings.redis_url.get_secret_value(), socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        return [f"redis: cannot reach WB_REDIS_URL: {_first_line(exc)}"]
    finally:
        client.close()
    return []


def _broker(settings: Settings) -> list[str]:
    """What keeps the configured venue from trading (keys, reachable, keys accepted)."""
    from workbench.runtime import Runtime

    with Runtime.from_settings(settings) as rt:
        return [f"broker: {problem}" for problem in rt.venue.problems()]


def _production_rules(settings: Settings) -> list[str]:
    if settings.env != "production":
        return []
    problems = []
    if settings.api.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET:
        problems.append(
            "api.jwt_secret: the default development secret is refused in production; "
            "set WB_API__JWT_SECRET or WB_API__JWT_SECRET_FILE"
        )
    elif len(settings.api.jwt_secret.get_secret_value().encode()) < (
        needed := int(settings.api.jwt_algorithm[2:]) // 8
    ):
        problems.append(
            f"api.jwt_secret: must be at least {needed} characters in production "
            f"(bytes, for {settings.api.jwt_algorithm})"
        )
    if settings.ledger_is_sqlite and settings.api.replicas > 1:
        problems.append(
            f"ledger_url: SQLite cannot serve {settings.api.replicas} API replicas; "
            "set WB_LEDGER_URL to PostgreSQL"
        )
    if settings.debug:
        problems.append("debug: must be off in production (WB_DEBUG=false)")
    return problems


def _masked_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.ledger_dsn).render_as_string(hide_password=True)
    except Exception:
        return MASK


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
