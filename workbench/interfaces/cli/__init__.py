"""The ``workbench`` command-line face (Typer + Rich)."""

from workbench.interfaces.cli.app import app, main

__all__ = ["app", "main"]
