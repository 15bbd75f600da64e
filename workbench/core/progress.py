"""The one progress-callback type: long work reports ``(done, total, label)`` as it goes.

``done`` of ``total`` steps are finished (``total`` may grow as work is discovered); ``label``
says what is being done, for a person. The CLI draws a bar from it; a notebook may print it;
``None`` where a callback is optional means nobody is watching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

__all__ = ["Progress"]

Progress: TypeAlias = Callable[[int, int, str], None]
