"""The faces: CLI, REST/WebSocket API and MCP. Each parses, calls one ops function, formats."""

__all__: list[str] = []
