"""Floor 6: the use cases. Every face (CLI, API, MCP, notebooks) calls these and nothing below.

One module per area, imported by name (``from workbench.ops import data``) so that a face
loads only the engines it uses: ``allocation``, ``analysis``, ``config``, ``daily``,
``data``, ``db``, ``exchange``, ``portfolio``, ``strategy``.
"""

__all__: list[str] = []
