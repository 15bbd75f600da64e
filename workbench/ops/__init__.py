"""Floor 6: the use cases. Every face (CLI, API, MCP, notebooks) calls these and nothing below.

One module per area, imported by name (``from workbench.ops import data``) so that a face
loads only the engines it uses: ``allocation``, ``analysis``, ``audit``, ``auth``, ``config``,
``daily``, ``dashboards``, ``data``, ``db``, ``exchange``, ``keys``, ``monitor``, ``parity``,
``portfolio``, ``report``, ``run_summary``, ``secrets``, ``strategy``, ``trade``, ``trade_runs``,
``users``.
"""

__all__: list[str] = []
