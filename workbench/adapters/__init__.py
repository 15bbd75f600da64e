"""Floor 4: venue adapters. One package per venue, alike in shape (``config``, ``data``, and
with the execution issue ``execution``); a venue's SDK is imported only inside its package."""

__all__: list[str] = []
