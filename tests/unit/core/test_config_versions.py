"""Settings files carry a format version: older files are read through the migration steps and
rewritten by `config migrate`; newer or malformed versions are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.core.config import load_settings
from workbench.core.config_versions import CONFIG_VERSION, migrate_file, upgrade_document
from workbench.core.errors import ConfigError
from workbench.ops.config import migrate

pytestmark = pytest.mark.requirement("CFG-03")

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("WB_CONFIG_DIR", str(folder))
    return folder


@pytest.mark.parametrize("environment", ["development", "staging", "production"])
def test_the_shipped_files_are_at_the_current_version(environment: str) -> None:
    document = yaml.safe_load((REPO / "deploy" / "config" / f"{environment}.yaml").read_text())
    assert document["version"] == CONFIG_VERSION


def test_an_unversioned_file_is_read_as_the_oldest_format(config_dir: Path) -> None:
    (config_dir / "development.yaml").write_text("log_level: WARNING\n")
    assert load_settings().log_level == "WARNING"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (CONFIG_VERSION + 1, f"reads versions up to {CONFIG_VERSION}"),
        ("one", "must be a whole number"),
        (-1, "must be a whole number"),
        (True, "must be a whole number"),
    ],
)
def test_an_unknown_version_is_refused(config_dir: Path, version: object, message: str) -> None:
    (config_dir / "development.yaml").write_text(yaml.safe_dump({"version": version}))
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings()
    assert "development.yaml" in str(caught.value)


def test_upgrading_drops_the_stamp_and_keeps_the_settings() -> None:
    document = {"version": 0, "broker": "paper", "risk": {"limits": {"max_leverage": 1.0}}}
    assert upgrade_document(document, "x.yaml") == {
        "broker": "paper",
        "risk": {"limits": {"max_leverage": 1.0}},
    }


def test_migrate_stamps_an_old_file_and_keeps_its_comments(config_dir: Path) -> None:
    path = config_dir / "staging.yaml"
    path.write_text("# staging: paper keys\nbroker: paper\n")
    done = migrate(str(path))
    assert (done.was, done.now, done.changed) == (0, CONFIG_VERSION, True)
    assert path.read_text() == f"version: {CONFIG_VERSION}\n# staging: paper keys\nbroker: paper\n"
    again = migrate("staging")
    assert not again.changed
    assert sorted(p.name for p in config_dir.iterdir()) == ["staging.yaml"]


def test_migrate_refuses_what_it_cannot_read_and_leaves_it(config_dir: Path) -> None:
    path = config_dir / "production.yaml"
    path.write_text("version: 99\nbroker: alpaca\n")
    with pytest.raises(ConfigError, match="version 99"):
        migrate_file(path)
    assert path.read_text() == "version: 99\nbroker: alpaca\n"
    with pytest.raises(ConfigError, match="no settings file"):
        migrate(str(config_dir / "missing.yaml"))
