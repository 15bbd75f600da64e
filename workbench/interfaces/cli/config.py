"""``workbench config``: show and validate settings."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, console, emit

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(as_json: JsonOption = False) -> None:
    """The effective settings (defaults < YAML < environment), secrets masked."""
    from workbench.core.config import load_settings
    from workbench.ops.config import masked_settings

    settings = masked_settings(load_settings())
    emit(settings, as_json, lambda s: _print_tree(s))


@app.command("validate")
def validate(
    env: Annotated[
        str | None, typer.Option(help="development, staging or production (default: WB_ENV).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the schema and the environment (secrets, ledger, Redis, broker); exit 1 if wrong."""
    from workbench.ops.config import validate as check

    result = check(env)
    emit(
        {"env": result.env, "ok": result.ok, "problems": result.problems},
        as_json,
        lambda _: _print_check(result),
    )
    if not result.ok:
        raise typer.Exit(1)


@app.command("migrate")
def migrate(
    target: Annotated[
        str | None,
        typer.Argument(help="A settings file, or an environment's name (default: WB_ENV's)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Rewrite a settings file in the current format (its comments kept where they can be)."""
    from workbench.ops.config import migrate as run_migration

    done = run_migration(target)
    emit(
        {"path": done.path, "was": done.was, "now": done.now, "changed": done.changed},
        as_json,
        lambda _: console.print(
            f"{done.path}: version {done.was} -> {done.now}"
            if done.changed
            else f"{done.path}: already at version {done.now}",
            markup=False,
            highlight=False,
        ),
    )


def _print_check(result: Any) -> None:
    if result.ok:
        console.print(f"[green]ok[/] {result.env}: settings and environment are valid")
        return
    console.print(f"[red]{len(result.problems)} problem(s)[/] in {result.env}:")
    for problem in result.problems:
        console.print(f"  - {problem}", markup=False, highlight=False)


def _print_tree(settings: dict[str, Any], prefix: str = "") -> None:
    for key, value in settings.items():
        if isinstance(value, dict):
            _print_tree(value, f"{prefix}{key}.")
        else:
            console.print(f"{prefix}{key} = {value}", markup=False, highlight=False)
