"""The MCP face: the workbench for AI assistants (tools, resources, prompts), over stdio
(``workbench serve mcp``) and streamable HTTP (``/mcp`` in the API). docs/mcp.md."""

__all__: list[str] = []
