"""``workbench secrets``: broker keys kept in the ledger, sealed under ``WB_SECRETS__KEY``.

Keys are read from files or from a hidden prompt (one line each on standard input when it is
not a terminal), never from command options, which shell history and ``ps`` would keep.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, actor, console, emit, open_runtime
from workbench.interfaces.cli._render import table

app = typer.Typer(no_args_is_help=True)

VenueArgument = Annotated[str, typer.Argument(help="The venue whose keys these are (alpaca).")]
KeyFile = Annotated[
    Path | None,
    typer.Option(help="A file holding it (a mounted secret); prompted for when not given."),
]


@app.command("new-key")
def new_key() -> None:
    """Print a new sealing key for WB_SECRETS__KEY (kept nowhere)."""
    from workbench.core.sealing import new_sealing_key

    typer.echo(new_sealing_key())


@app.command("set-broker")
def set_broker(
    venue: VenueArgument,
    api_key_file: KeyFile = None,
    secret_key_file: KeyFile = None,
    as_json: JsonOption = False,
) -> None:
    """Seal a venue's keys into the ledger (replacing any stored); the environment's win."""
    from workbench.ops import broker_keys

    runtime = open_runtime()
    venue = broker_keys.keyed_venue(runtime.settings, venue)  # before asking for any key
    api_key = _secret(api_key_file, f"{venue} key id")
    secret_key = _secret(secret_key_file, f"{venue} secret key")
    stored = broker_keys.store(
        runtime, venue, api_key=api_key, secret_key=secret_key, actor=actor()
    )
    emit(stored, as_json, lambda s: console.print(f"stored {s.venue} keys (…{s.hint}), sealed"))


@app.command("list")
def list_stored(as_json: JsonOption = False) -> None:
    """Which venues have keys stored: the key id's last four characters, never a key."""
    from workbench.ops import broker_keys

    emit(broker_keys.list_stored(open_runtime()), as_json, _stored_table)


@app.command("reseal")
def reseal(as_json: JsonOption = False) -> None:
    """Seal every stored key anew under WB_SECRETS__KEY (after a rotation)."""
    from workbench.ops import broker_keys

    resealed = broker_keys.reseal(open_runtime(), actor=actor())
    emit(resealed, as_json, lambda rows: console.print(f"resealed {len(rows)} venue(s)' keys"))


@app.command("delete")
def delete(venue: VenueArgument, as_json: JsonOption = False) -> None:
    """Forget a venue's stored keys."""
    from workbench.ops import broker_keys

    deleted = broker_keys.delete(open_runtime(), venue, actor=actor())
    emit(deleted, as_json, lambda s: console.print(f"deleted the stored {s.venue} keys"))


def _secret(path: Path | None, what: str) -> str:
    if path is None and not sys.stdin.isatty():  # piped in: a line each, no echo to hide
        line = sys.stdin.readline()
        if not line:
            raise typer.BadParameter("standard input ended before it was given", param_hint=what)
        return line.strip()
    if path is None:
        return str(typer.prompt(what, hide_input=True))
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror}", param_hint=what) from None


def _stored_table(rows: list[Any]) -> None:
    table(
        "Broker keys (sealed in the ledger)",
        ["venue", "key id ends", "sealed with", "current key", "stored by", "updated"],
        [
            (
                s.venue,
                s.hint,
                s.sealed_with,
                "yes" if s.current else "no",
                s.stored_by,
                s.updated_at,
            )
            for s in rows
        ],
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
