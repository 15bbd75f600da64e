"""Where the dashboards may listen, and a kernelspec installed once (an image installs it at
build time and runs with a read-only file system)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import ConfigError
from workbench.ops import dashboards
from workbench.testing import free_port

pytestmark = pytest.mark.requirement("INT-07")


def test_a_non_loopback_host_needs_an_authenticating_proxy() -> None:
    with pytest.raises(ConfigError, match="--behind-proxy"):
        dashboards.serve_dashboards(host="0.0.0.0", port=free_port())


def test_the_kernel_is_not_reinstalled_when_it_is_already_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setattr(dashboards.sys, "prefix", str(tmp_path / "prefix"))
    first = dashboards.install_kernel()
    assert (first / "kernel.json").is_file()

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(KernelSpecManager, "install_kernel_spec", refuse)
    assert dashboards.install_kernel() == first
    (first / "kernel.json").write_text("{}")  # an older spec is replaced, so it is written
    with pytest.raises(PermissionError):
        dashboards.install_kernel()
