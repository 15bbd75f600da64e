"""Where the lake lives: a local folder (the default) or an object store (``s3://bucket/prefix``).

This module is the one place that knows the difference. Both locations hold the same layout
(``<dataset>/symbol=<S>/year=<Y>/part-0.parquet``) and answer the same questions: which
datasets, symbols and partition files exist, how a file is opened and what identifies a version
of it, and how a partition is written.

The local folder keeps the code that was always there (``os.scandir``, ``flock`` per partition,
temporary file + fsync + rename). The object store goes through pyarrow's ``S3FileSystem`` with
the standard AWS variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``,
``AWS_ENDPOINT_URL`` for an S3-compatible server). An object appears whole or not at all: a
partition is encoded in memory before anything is sent, a small one is sent as one PUT, a large
one to a temporary key that is then copied over the target (a server-side copy is atomic too).
There is no lock across nodes on an object store: one writer process at a time per lake is the
operator's duty (docs/deployment/scaling.md); writer threads of one process take a lock per
partition here.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from workbench.core.errors import ConfigError, DataError
from workbench.data import reader
from workbench.data.reader import Identity
from workbench.data.store import (
    PARTITION_FILE,
    PartitionWrite,
    encode_partition,
    merge_partition,
    symbol_dir,
    symbol_of_dir,
    write_partition,
)

if TYPE_CHECKING:
    import pandas as pd
    from pyarrow.fs import FileSystem

    from workbench.data.schema import DatasetSpec

__all__ = ["LakeLocation", "LocalLake", "ObjectStoreLake", "open_location"]

#: objects up to this size go up as one PUT; larger ones through a temporary key and a copy
SINGLE_PUT_BYTES = 5 << 20
_YEAR_FILE = re.compile(r"/year=(\d+)/" + re.escape(PARTITION_FILE) + "$")


class LakeLocation(Protocol):
    #: what messages call the lake: its folder or its URL
    url: str
    #: None for the local folder (plain paths), else the filesystem paths are opened through
    filesystem: FileSystem | None

    def datasets(self) -> list[str]: ...
    def symbols(self, dataset: str) -> list[str]: ...
    def files(
        self, dataset: str, symbol: str, first_year: int | None, last_year: int | None
    ) -> list[str]: ...
    def newest_file(self, dataset: str, symbol: str) -> str | None: ...
    def identity(self, path: str) -> Identity | None: ...
    def guard(self, action: str) -> AbstractContextManager[None]: ...
    def write_partition(
        self,
        spec: DatasetSpec,
        symbol: str,
        year: int,
        rows: pa.Table | pd.DataFrame,
        *,
        upsert: bool,
    ) -> PartitionWrite: ...


def open_location(root: Path | str) -> LakeLocation:
    """``s3://bucket/prefix`` is an object store; anything else without a scheme a folder."""
    text = str(root)
    if text.startswith("s3://"):
        return ObjectStoreLake(text)
    if "://" in text:
        raise ConfigError(
            f"unsupported lake location {text}: expected a folder or s3://bucket/prefix"
        )
    return LocalLake(Path(text).expanduser())


class LocalLake:
    filesystem = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = str(root)

    def datasets(self) -> list[str]:
        if not self.root.is_dir():
            return []
        with os.scandir(self.root) as entries:
            return [e.name for e in entries if e.is_dir()]

    def symbols(self, dataset: str) -> list[str]:
        folder = self.root / dataset
        if not folder.is_dir():
            return []
        with os.scandir(folder) as entries:
            return [
                symbol_of_dir(e.name)
                for e in entries
                if e.name.startswith("symbol=") and e.is_dir()
            ]

    def files(
        self, dataset: str, symbol: str, first_year: int | None, last_year: int | None
    ) -> list[str]:
        found = []
        for year in self._years(dataset, symbol):
            if (first_year is None or year >= first_year) and (
                last_year is None or year <= last_year
            ):
                path = self._file(dataset, symbol, year)
                if os.path.exists(path):  # a folder whose first write is under way has none
                    found.append(path)
        return found

    def newest_file(self, dataset: str, symbol: str) -> str | None:
        for year in reversed(self._years(dataset, symbol)):
            path = self._file(dataset, symbol, year)
            if os.path.exists(path):
                return path
        return None

    def identity(self, path: str) -> Identity | None:
        return reader.identity(path)

    def guard(self, action: str) -> AbstractContextManager[None]:
        return nullcontext()  # a local file's OSError already names the file

    def write_partition(
        self,
        spec: DatasetSpec,
        symbol: str,
        year: int,
        rows: pa.Table | pd.DataFrame,
        *,
        upsert: bool,
    ) -> PartitionWrite:
        return write_partition(self.root, spec, symbol, year, rows, upsert=upsert)

    def _years(self, dataset: str, symbol: str) -> list[int]:
        try:
            with os.scandir(self.root / dataset / symbol_dir(symbol)) as entries:
                return sorted(
                    int(e.name.removeprefix("year=")) for e in entries if e.name.startswith("year=")
                )
        except FileNotFoundError:
            return []

    def _file(self, dataset: str, symbol: str, year: int) -> str:
        return os.path.join(self.root, dataset, symbol_dir(symbol), f"year={year}", PARTITION_FILE)


class ObjectStoreLake:
    """A lake under ``s3://bucket/prefix``: every node with the credentials reads the same one.

    Every listing is a LIST request and every file a GET (and a HEAD where a version must be
    identified), so reads cost round trips that a local folder does not; see
    docs/deployment/scaling.md for the figures."""

    def __init__(self, url: str) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ConfigError(f"lake URL {url}: expected s3://bucket/prefix")
        self.url = url.rstrip("/")
        self.bucket = bucket
        self.base = f"{bucket}/{prefix.strip('/')}".rstrip("/")
        self.filesystem = _s3_filesystem(url)
        self._checked = False
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def datasets(self) -> list[str]:
        return [name for name, is_dir in self._list(self.base) if is_dir]

    def symbols(self, dataset: str) -> list[str]:
        return [
            symbol_of_dir(name)
            for name, is_dir in self._list(f"{self.base}/{dataset}")
            if is_dir and name.startswith("symbol=")
        ]

    def files(
        self, dataset: str, symbol: str, first_year: int | None, last_year: int | None
    ) -> list[str]:
        from pyarrow.fs import FileSelector, FileType

        folder = f"{self.base}/{dataset}/{symbol_dir(symbol)}"
        with self.guard("listing"):
            infos = self.filesystem.get_file_info(
                FileSelector(folder, allow_not_found=True, recursive=True)
            )
        by_year = {}
        for info in infos:
            match = _YEAR_FILE.search(info.path)
            if info.type == FileType.File and match:
                by_year[int(match.group(1))] = info.path
        return [
            by_year[year]
            for year in sorted(by_year)
            if (first_year is None or year >= first_year)
            and (last_year is None or year <= last_year)
        ]

    def newest_file(self, dataset: str, symbol: str) -> str | None:
        found = self.files(dataset, symbol, None, None)
        return found[-1] if found else None

    def identity(self, path: str) -> Identity | None:
        from pyarrow.fs import FileType

        with self.guard("reading"):
            info = self.filesystem.get_file_info(path)
        if info.type != FileType.File:
            return None
        return (0, info.size or 0, info.mtime_ns or 0, 0)

    def write_partition(
        self,
        spec: DatasetSpec,
        symbol: str,
        year: int,
        rows: pa.Table | pd.DataFrame,
        *,
        upsert: bool,
    ) -> PartitionWrite:
        target = f"{self.base}/{spec.name}/{symbol_dir(symbol)}/year={year}/{PARTITION_FILE}"
        with self._partition_lock(target):
            stored = None
            with self.guard("reading"), suppress(FileNotFoundError):
                stored = reader.open_parquet(target, self.filesystem).read(use_threads=False)
            merged, written = merge_partition(stored, rows, spec, symbol, year, upsert=upsert)
            if merged is not None:
                self._put(target, encode_partition(merged))
            return written

    def _put(self, target: str, data: pa.Buffer) -> None:
        # ``data`` is whole before the first byte goes out, so no failure while encoding can
        # leave an object; the object appears when the PUT (or the copy) completes.
        with self.guard("writing"):
            if data.size <= SINGLE_PUT_BYTES:
                with self.filesystem.open_output_stream(target) as stream:
                    stream.write(data)
                return
            temporary = f"{self.base}/_tmp/{uuid.uuid4().hex}.parquet"
            try:
                with self.filesystem.open_output_stream(temporary) as stream:
                    stream.write(data)
                self.filesystem.copy_file(temporary, target)
            finally:
                with suppress(OSError):  # never written, or already gone
                    self.filesystem.delete_file(temporary)

    def _list(self, folder: str) -> list[tuple[str, bool]]:
        from pyarrow.fs import FileSelector, FileType

        with self.guard("listing"):
            infos = self.filesystem.get_file_info(FileSelector(folder, allow_not_found=True))
        return sorted((info.base_name, info.type == FileType.Directory) for info in infos)

    @contextmanager
    def guard(self, action: str) -> Iterator[None]:
        """Object-store failures as one-line DataErrors naming the lake (no traceback)."""
        if not self._checked:
            self._check_bucket()
        try:
            yield
        except OSError as error:
            raise DataError(
                f"the lake at {self.url}: {action} failed: {_first_line(error)}"
            ) from None

    def _check_bucket(self) -> None:
        from pyarrow.fs import FileType

        try:
            info = self.filesystem.get_file_info(self.bucket)
        except OSError as error:
            raise DataError(
                f"the lake at {self.url} cannot be reached: {_first_line(error)} (check "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and AWS_ENDPOINT_URL)"
            ) from None
        if info.type == FileType.NotFound:
            raise DataError(
                f"the lake at {self.url}: bucket {self.bucket} does not exist (create it first)"
            )
        self._checked = True

    @contextmanager
    def _partition_lock(self, key: str) -> Iterator[None]:
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield


def _s3_filesystem(url: str) -> FileSystem:
    from pyarrow.fs import AwsStandardS3RetryStrategy, S3FileSystem

    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    scheme = None
    if endpoint is not None and "://" in endpoint:
        scheme, _, endpoint = endpoint.partition("://")
    try:
        return S3FileSystem(
            region=os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1",
            endpoint_override=endpoint,
            scheme=scheme,
            connect_timeout=5,
            allow_delayed_open=True,  # a small object goes up as one PUT when it is closed
            request_timeout=30,
            retry_strategy=AwsStandardS3RetryStrategy(max_attempts=3),
        )
    except (OSError, ValueError) as error:
        raise ConfigError(f"the lake at {url}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
