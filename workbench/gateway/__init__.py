"""What the API's instances share, through Redis when ``WB_REDIS_URL`` is set and in-process
otherwise: the event hub behind ``/ws`` (``hub``, ``session``, ``channels``), the relay that
carries the event bus of any process to every instance (``relay``), and the rate-limit token
buckets (``ratelimit``).

Nothing here knows HTTP or a web framework: a connection is the small ``Connection`` protocol
(``session``), and the caller's identity comes from an ``authenticate`` function the API hands
in (``ops.auth``). Submodules are imported directly; this package imports nothing at start-up
(a CLI command with Redis configured attaches the relay without paying for the hub)."""
