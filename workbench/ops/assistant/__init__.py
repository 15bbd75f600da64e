"""Use cases of the MCP face (AI assistants): every tool call runs through ``calls.call``
(permission, configuration, answer size, audit); ``views`` answers the read tools and pages
the resource links; ``trading`` and ``orders`` do preview-then-confirm.
"""

from workbench.ops.assistant import calls, orders, trading, views

__all__ = ["calls", "orders", "trading", "views"]
