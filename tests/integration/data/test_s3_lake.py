"""The lake in an object store: moto's S3 server (started here, one per module) as the store.

The sample is loaded into ``s3://<bucket>/lake`` once; every test reads it, or writes under its
own prefix, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pyarrow.fs import FileSelector

from workbench.core.errors import DataError
from workbench.data import Lake
from workbench.data import location as location_module
from workbench.data.location import ObjectStoreLake
from workbench.testing import free_port

pytestmark = pytest.mark.requirement("DEP-07")

BUCKET = "market-data"
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a log record per request is slow
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": endpoint}.items():
            patch.setenv(name, value)
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket=BUCKET
        )
        yield endpoint
    server.stop()


@pytest.fixture(autouse=True)
def _s3_environment(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the module fixture's variables outlive each test's own environment clean-up this way
    for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3_endpoint}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def s3_sample(s3_endpoint: str) -> str:
    """The sample loaded through the ops function by a runtime whose lake is in S3."""
    from workbench.ops import data as data_ops
    from workbench.runtime import Runtime

    url = f"s3://{BUCKET}/lake"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WB_DATA__LAKE_URL", url)
        rt = Runtime.from_settings()
        assert rt.data.url == url
        load = data_ops.load_sample(rt)
        assert load.written > 0
        rt.data.close()
    return url


def test_a_second_node_reads_what_the_first_loaded_equal_to_the_local_lake(
    s3_sample: str, shared_sample_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.runtime import Runtime

    monkeypatch.setenv("WB_DATA__LAKE_URL", s3_sample)
    node = Runtime.from_settings()  # another process's view: nothing cached from the load
    local = Lake(shared_sample_lake)
    remote = node.data
    assert remote.datasets() == local.datasets()
    pd.testing.assert_frame_equal(remote.coverage(), local.coverage())
    symbols = local.symbols()[:3]
    pd.testing.assert_frame_equal(
        remote.bars(symbols, "2016-06-01", "2017-06-30"),
        local.bars(symbols, "2016-06-01", "2017-06-30"),
    )
    pd.testing.assert_frame_equal(remote.latest(), local.latest())
    query = "SELECT symbol, year, count(*) AS n FROM lake('bars_5m') GROUP BY ALL ORDER BY ALL"
    pd.testing.assert_frame_equal(remote.sql(query), local.sql(query))
    pd.testing.assert_frame_equal(
        remote.bars_table(symbols[0]).to_pandas(), local.bars_table(symbols[0]).to_pandas()
    )
    with pytest.raises(DataError, match=f"{s3_sample} is in an object store"):
        _ = remote.root


@pytest.mark.parametrize("single_put", [True, False], ids=["one-put", "temporary-and-copy"])
def test_loading_again_writes_nothing_and_a_merge_keeps_both_writes(
    s3_sample: str, shared_sample_lake: Path, monkeypatch: pytest.MonkeyPatch, single_put: bool
) -> None:
    if not single_put:  # every object as large ones go: a temporary key copied over the target
        monkeypatch.setattr(location_module, "SINGLE_PUT_BYTES", 0)
    url = f"s3://{BUCKET}/merge-{uuid.uuid4().hex[:8]}"
    local = Lake(shared_sample_lake)
    bars = local.bars("AAPL", "2017-01-01", "2017-12-31")
    first, second = bars.iloc[:100], bars.iloc[80:]
    writer = Lake(url)
    assert writer.ingest(first, "bars_1d").new == 100
    report = writer.ingest(second, "bars_1d")
    assert (report.new, report.unchanged) == (len(bars) - 100, 20)
    assert writer.ingest(bars, "bars_1d").written == 0
    pd.testing.assert_frame_equal(Lake(url).bars("AAPL"), bars.reset_index(drop=True))
    store = writer.location
    assert isinstance(store, ObjectStoreLake)
    keys = store.filesystem.get_file_info(FileSelector(store.base, recursive=True))
    assert not [info.path for info in keys if "/_tmp/" in info.path]
    assert Lake(url).datasets() == ["bars_1d"]


def test_a_failed_write_leaves_no_partial_object(
    s3_sample: str, shared_sample_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"s3://{BUCKET}/failed-{uuid.uuid4().hex[:8]}"
    bars = Lake(shared_sample_lake).bars("MSFT", "2017-01-01", "2017-12-31")
    lake = Lake(url)
    lake.ingest(bars.iloc[:50], "bars_1d")
    location = lake.location
    assert isinstance(location, ObjectStoreLake)
    (key,) = location.files("bars_1d", "MSFT", None, None)
    before = location.filesystem.open_input_file(key).readall()

    real_write = pq.write_table

    def write_half_then_fail(table: object, sink: object, **options: object) -> None:
        real_write(table, sink, **options)  # type: ignore[arg-type]
        raise OSError("disk gone mid-write")

    monkeypatch.setattr(pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="mid-write"):
        lake.ingest(bars, "bars_1d")
    with pytest.raises(OSError, match="mid-write"):
        lake.ingest(Lake(shared_sample_lake).bars("SPY", "2017-01-01", "2017-12-31"), "bars_1d")
    monkeypatch.setattr(pq, "write_table", real_write)
    assert location.filesystem.open_input_file(key).readall() == before
    assert location.files("bars_1d", "SPY", None, None) == []
    assert len(Lake(url).bars("MSFT")) == 50


def test_a_missing_bucket_or_refused_credentials_is_a_clear_error(
    s3_sample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = "s3://no-such-bucket/lake"
    with pytest.raises(DataError, match=f"the lake at {missing}: bucket no-such-bucket does not"):
        Lake(missing).bars("AAPL")

    from moto import settings

    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto checks keys now
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    with pytest.raises(DataError, match=f"the lake at {s3_sample} cannot be reached") as error:
        Lake(s3_sample).coverage()
    assert "AWS_ACCESS_KEY_ID" in str(error.value)


def test_the_cli_names_the_lake_url_without_a_traceback(
    s3_sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.interfaces.cli.app import main

    monkeypatch.setenv("WB_DATA__LAKE_URL", "s3://no-such-bucket/lake")
    monkeypatch.setattr("sys.argv", ["workbench", "data", "list"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the lake at s3://no-such-bucket/lake: bucket no-such-bucket")
    assert "Traceback" not in err
