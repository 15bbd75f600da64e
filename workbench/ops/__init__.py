"""Floor 6: the use cases. Every face (CLI, API, MCP, notebooks) calls these and nothing below.

One module per area, imported by name (``from workbench.ops import data``) so that a face
loads only the engines it uses: ``allocation``, ``analysis``, ``audit``, ``config``, ``daily``,
``dashboards``, ``data``, ``db``, ``exchange``, ``monitor``, ``parity``, ``portfolio``, ``report``,
``run_summary``, ``strategy``, ``trade``, ``trade_runs``.
"""

__all__: list[str] = []
