"""The MCP server over stdio (``workbench serve mcp``): one identity, from an API key, for the
life of the process. stdout is the protocol; everything said to a person goes to stderr."""

from __future__ import annotations

import os

from workbench.core.errors import ConfigError
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.server import build_server
from workbench.ops.assistant import calls
from workbench.ops.auth import Principal
from workbench.runtime import Runtime

__all__ = ["serve_stdio", "stdio_face"]


def stdio_face(runtime: Runtime, api_key_env: str | None = None) -> tuple[Face, Principal]:
    """The face acting with the API key from ``api_key_env`` (or ``WB_MCP__API_KEY``): checked
    now, so a bad key stops the server before a client connects. Without a key a development
    home serves read-only as ``local``; production refuses to start."""
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise ConfigError(f"{api_key_env} is not set: it must hold the MCP server's API key")
    else:
        secret = runtime.settings.mcp.api_key
        key = secret.get_secret_value() if secret is not None else None
    if not key:
        if runtime.settings.env == "production":
            raise ConfigError(
                "no API key: set WB_MCP__API_KEY (or --api-key-env NAME) to the key the MCP "
                "server acts with; production never serves without one"
            )
        return Face(runtime, local=True), calls.local_principal()
    return Face(runtime, credential=key), calls.principal_for(runtime, key)


def serve_stdio(face: Face) -> None:
    build_server(face).run("stdio")
