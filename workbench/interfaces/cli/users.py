"""``workbench users``: the first admin, then users and their roles. Passwords come from a hidden,
confirmed prompt or from an environment variable named with ``--password-env``; never a default."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, actor, console, emit, open_runtime
from workbench.interfaces.cli._render import table
from workbench.model.enums import Role

app = typer.Typer(no_args_is_help=True)

PasswordEnv = Annotated[
    str | None,
    typer.Option(
        "--password-env", metavar="NAME", help="Read the password from this environment variable."
    ),
]
RoleArgument = Annotated[Role, typer.Argument(case_sensitive=False, help="The role.")]


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="The admin's username.")] = "admin",
    password_env: PasswordEnv = None,
    force: Annotated[
        bool, typer.Option("--force", help="Even if an admin exists: create, or reset this one.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The first admin; refused once an active admin exists unless --force."""
    from workbench.ops import users

    user = users.create_admin(
        open_runtime(), username, _password(password_env), actor=actor(), force=force
    )
    emit(user, as_json, _one_user)


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The new user's name.")],
    role: Annotated[Role, typer.Option("--role", case_sensitive=False)] = Role.VIEWER,
    password_env: PasswordEnv = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user with a role (viewer unless --role)."""
    from workbench.ops import users

    user = users.add(open_runtime(), username, _password(password_env), role=role, actor=actor())
    emit(user, as_json, _one_user)


@app.command("list")
def list_users(as_json: JsonOption = False) -> None:
    """Every user, their role, whether active, last login and any lockout."""
    from workbench.ops import users

    emit(users.list_users(open_runtime()), as_json, _users_table)


@app.command("disable")
def disable(username: str, as_json: JsonOption = False) -> None:
    """Refuse the user's logins, tokens and API keys from now on."""
    from workbench.ops import users

    emit(users.disable(open_runtime(), username, actor=actor()), as_json, _one_user)


@app.command("enable")
def enable(username: str, as_json: JsonOption = False) -> None:
    """Let a disabled user log in again."""
    from workbench.ops import users

    emit(users.enable(open_runtime(), username, actor=actor()), as_json, _one_user)


@app.command("set-role")
def set_role(username: str, role: RoleArgument, as_json: JsonOption = False) -> None:
    """Change a user's role (their keys are capped by it at once)."""
    from workbench.ops import users

    emit(users.set_role(open_runtime(), username, role, actor=actor()), as_json, _one_user)


def _password(variable: str | None) -> str:
    if variable is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    value = os.environ.get(variable)
    if not value:
        from workbench.core.errors import ConfigError

        raise ConfigError(f"--password-env {variable}: that environment variable is not set")
    return value


def _one_user(user: Any) -> None:
    state = "active" if user.active else "disabled"
    console.print(f"user {user.username} (id {user.id}): {user.role.value}, {state}")


def _users_table(rows: list[Any]) -> None:
    table(
        "Users",
        ["id", "username", "role", "active", "last login", "locked until"],
        [
            (
                u.id,
                u.username,
                u.role.value,
                "yes" if u.active else "no",
                u.last_login_at,
                u.locked_until,
            )
            for u in rows
        ],
    )
