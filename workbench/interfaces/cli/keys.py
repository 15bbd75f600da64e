"""``workbench keys``: API keys. ``create`` and ``rotate`` print the key once; only its hash
and visible prefix are kept."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, actor, console, emit, open_runtime
from workbench.interfaces.cli._render import table
from workbench.model.enums import Role

app = typer.Typer(no_args_is_help=True)

KeyArgument = Annotated[str, typer.Argument(help="The key's id or prefix (wbk_1a2b3c4d).")]


@app.command("create")
def create(
    user: Annotated[str, typer.Option("--user", help="Whose key it is.")],
    role: Annotated[
        Role | None, typer.Option("--role", case_sensitive=False, help="Default: the user's.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A label for people.")] = None,
    expires_days: Annotated[
        float | None, typer.Option("--expires-days", help="Refuse it after this many days.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key and print it once."""
    from workbench.ops import keys

    created = keys.create(
        open_runtime(),
        username=user,
        role=role,
        name=name,
        expires_in_days=expires_days,
        actor=actor(),
    )
    emit({"key": created.key, **_jsonable(created.info)}, as_json, _show_created)


@app.command("list")
def list_keys(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Keys by prefix, with role, expiry, last use and status (never the key)."""
    from workbench.ops import keys

    emit(keys.list_keys(open_runtime(), username=user), as_json, _keys_table)


@app.command("revoke")
def revoke(key: KeyArgument, as_json: JsonOption = False) -> None:
    """Refuse the key from now on."""
    from workbench.ops import keys

    info = keys.revoke(open_runtime(), key, actor=actor())
    emit(info, as_json, lambda i: console.print(f"revoked {i.prefix} ({i.user})"))


@app.command("rotate")
def rotate(
    key: KeyArgument,
    overlap_minutes: Annotated[
        float | None,
        typer.Option("--overlap-minutes", min=0, help="Default: api.key_rotation_overlap_minutes."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A new key replacing this one, which keeps working for the overlap; prints it once."""
    from workbench.ops import keys

    created = keys.rotate(open_runtime(), key, overlap_minutes=overlap_minutes, actor=actor())
    emit({"key": created.key, **_jsonable(created.info)}, as_json, _show_created)


def _jsonable(info: Any) -> dict[str, Any]:
    import dataclasses

    return dataclasses.asdict(info)


def _show_created(data: dict[str, Any]) -> None:
    console.print(data["key"], highlight=False, soft_wrap=True)
    console.print(
        f"key {data['prefix']} for {data['user']} ({data['role'].value}): shown once, store it now",
        highlight=False,
    )


def _keys_table(rows: list[Any]) -> None:
    table(
        "API keys",
        ["id", "prefix", "user", "name", "role", "status", "expires", "last used"],
        [
            (k.id, k.prefix, k.user, k.name, k.role.value, k.status, k.expires_at, k.last_used_at)
            for k in rows
        ],
    )
