"""The ``workbench`` command. Groups live in sibling modules; each command calls one ``ops``
function. Errors a user can cause end as one line on stderr and exit code 1 (2 for usage)."""

from __future__ import annotations

import sys
from typing import IO, Any

import typer
from typer._click.core import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from workbench.interfaces.cli import analyze as analyze_cli
from workbench.interfaces.cli import audit as audit_cli
from workbench.interfaces.cli import config as config_cli
from workbench.interfaces.cli import data as data_cli
from workbench.interfaces.cli import db as db_cli
from workbench.interfaces.cli import exchange as exchange_cli
from workbench.interfaces.cli import jobs as jobs_cli
from workbench.interfaces.cli import keys as keys_cli
from workbench.interfaces.cli import monitor as monitor_cli
from workbench.interfaces.cli import report as report_cli
from workbench.interfaces.cli import run as run_cli
from workbench.interfaces.cli import secrets as secrets_cli
from workbench.interfaces.cli import serve as serve_cli
from workbench.interfaces.cli import strategy as strategy_cli
from workbench.interfaces.cli import trade as trade_cli
from workbench.interfaces.cli import users as users_cli
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
    answer alike: a ``WorkbenchError`` exits 1 and a usage error 2, each as one line."""

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


app = typer.Typer(
    name="workbench",
    cls=_WorkbenchGroup,
    help="Research and trading workbench: market-data lake, ledger, analysis, trading.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(data_cli.app, name="data", help="The market-data lake: load, import, fetch, inspect.")
app.add_typer(analyze_cli.app, name="analyze", help="Indicators, performance, risk, allocation.")
app.add_typer(
    strategy_cli.app, name="strategy", help="Strategies: backtest, optimize, walk-forward, results."
)
app.add_typer(
    trade_cli.app,
    name="trade",
    help="Orders through the risk gate, positions, the kill switch, runs, parity.",
)
app.add_typer(audit_cli.app, name="audit", help="The audit chain: verify and show.")
app.add_typer(config_cli.app, name="config", help="Show and validate settings.")
app.add_typer(db_cli.app, name="db", help="The SQL ledger: migrations, backup and restore.")
app.add_typer(exchange_cli.app, name="exchange", help="The local Alpaca-compatible exchange.")
app.add_typer(
    report_cli.app, name="report", help="Reports and exports: HTML, PDF, XLSX, CSV, JSON, Parquet."
)
app.add_typer(jobs_cli.app, name="jobs", help="Jobs queued through the API: list, show, cancel.")
app.add_typer(monitor_cli.app, name="monitor", help="Alert rules, alerts, health and a live view.")
app.add_typer(users_cli.app, name="users", help="Users and roles: the first admin, add, disable.")
app.add_typer(
    keys_cli.app, name="keys", help="API keys: create (shown once), list, revoke, rotate."
)
app.add_typer(
    secrets_cli.app,
    name="secrets",
    help="Broker keys sealed in the ledger: set, list, reseal, delete; a new sealing key.",
)
app.add_typer(serve_cli.app, name="serve", help="Serve a face: the REST API, the Voila dashboards.")
app.command("run")(run_cli.run)
app.command("validate")(validate_cli.validate)


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
