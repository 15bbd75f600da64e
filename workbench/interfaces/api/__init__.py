"""The REST face (FastAPI): ``create_app(runtime)``, served by ``workbench serve api``.

Faces import only ``ops``, ``runtime``, ``core`` and ``model`` (an import-linter contract)."""

from workbench.interfaces.api.app import API_PREFIX, app_from_settings, create_app

__all__ = ["API_PREFIX", "app_from_settings", "create_app"]
