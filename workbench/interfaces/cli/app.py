"""The ``workbench`` command. Groups live in sibling modules; each command calls one ``ops``
function. Errors a user can cause end as one line on stderr and exit code 1 (2 for usage)."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import IO, Any

import typer
from typer._click.core import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup
from typer.main import get_group_from_info
from typer.models import TyperInfo

from workbench.interfaces.cli import run as run_cli
from workbench.interfaces.cli import validate as validate_cli

__all__ = ["app", "main"]


class _OneLineError(ClickException):
    """An error shown as one ``error: ...`` line on stderr, with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(_one_line(message))
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        typer.echo(f"error: {self.message}", file=file, err=file is None)


class _WorkbenchGroup(TyperGroup):
    """Maps errors once, here, so that the installed command and an in-process ``CliRunner``
    answer alike: a ``WorkbenchError`` exits 1 and a usage error 2, each as one line.

    Builds a command group (imports its module, reads its commands' options) only when it is
    named: ``workbench trade account`` pays for the ``trade`` group alone, not all fifteen."""

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *GROUPS]

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        if cmd_name in GROUPS and cmd_name not in self.commands:
            self.commands[cmd_name] = _build_group(cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        if args and args[0] not in self.commands and args[0] not in GROUPS:
            for name in GROUPS:  # an unknown name: typer suggests among every group's
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        from workbench.core.errors import WorkbenchError

        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            hint = f" (see '{error.ctx.command_path} -h')" if error.ctx is not None else ""
            # through WorkbenchError for its cut of an overlong value the user pasted
            message = WorkbenchError(error.format_message()).message
            raise _OneLineError(message + hint, error.exit_code) from None
        except WorkbenchError as error:
            raise _OneLineError(error.message, 1) from None


def _no_options() -> None:
    # a callback makes typer build a group although ``run`` is its only eager command
    pass


app = typer.Typer(
    name="workbench",
    callback=_no_options,
    cls=_WorkbenchGroup,
    help="Research and trading workbench: market-data lake, ledger, analysis, trading.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
#: each command group: its module under ``workbench.interfaces.cli`` (with an ``app``) and help,
#: in the order ``--help`` lists them
GROUPS: dict[str, tuple[str, str]] = {
    "data": ("data", "The market-data lake: load, import, fetch, inspect."),
    "analyze": ("analyze", "Indicators, performance, risk, allocation."),
    "strategy": ("strategy", "Strategies: backtest, optimize, walk-forward, results."),
    "trade": ("trade", "Orders through the risk gate, positions, the kill switch, runs, parity."),
    "audit": ("audit", "The audit chain: verify and show."),
    "config": ("config", "Show and validate settings."),
    "db": ("db", "The SQL ledger: migrations, backup and restore."),
    "exchange": ("exchange", "The local Alpaca-compatible exchange."),
    "report": ("report", "Reports and exports: HTML, PDF, XLSX, CSV, JSON, Parquet."),
    "jobs": ("jobs", "Jobs queued through the API: list, show, cancel."),
    "monitor": ("monitor", "Alert rules, alerts, health and a live view."),
    "users": ("users", "Users and roles: the first admin, add, disable."),
    "keys": ("keys", "API keys: create (shown once), list, revoke, rotate."),
    "secrets": (
        "secrets",
        "Broker keys sealed in the ledger: set, list, reseal, delete; a new sealing key.",
    ),
    "serve": ("serve", "Serve a face: the REST API, the Voila dashboards."),
}
app.command("run")(run_cli.run)
app.command("validate")(validate_cli.validate)


def _build_group(name: str) -> TyperGroup:
    """The click group of ``name`` as ``app.add_typer`` would have made it."""
    module, help_text = GROUPS[name]
    group_app = import_module(f"workbench.interfaces.cli.{module}").app
    return get_group_from_info(
        TyperInfo(group_app, name=name, help=help_text),
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
        suggest_commands=app.suggest_commands,
    )


def main() -> None:
    from workbench.core.errors import WorkbenchError

    try:
        app()
    except WorkbenchError as error:
        typer.echo(f"error: {_one_line(error.message)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


def _one_line(message: str) -> str:
    return " ".join(message.split())
