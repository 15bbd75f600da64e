"""SQL over the lake's files in DuckDB, for ``Catalog.sql`` and ``Catalog.coverage``.

Each ``LakeSQL`` owns one in-memory DuckDB database and opens a cursor per query, so threads of
one process can query at once; processes each have their own. No DuckDB file is ever shared
(DuckDB allows one writer process per file, and the workbench always runs several processes).
Because DuckDB opens a file twice per query, a query whose files were replaced while it ran is
run again. Files outside the local disk are read with pyarrow and registered as Arrow tables.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.errors import DataError
from workbench.data import reader
from workbench.data.location import LakeLocation
from workbench.data.reader import FileRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["LakeSQL", "scan_clause"]

#: runs of a DuckDB query whose files kept being replaced while it ran, before giving up
_SQL_ATTEMPTS = 5
_YEAR = re.compile(r"year=(\d+)")


class LakeSQL:
    def __init__(self, location: LakeLocation) -> None:
        self.location = location
        self._connection: Any = None
        self._lock = threading.Lock()

    def scan(
        self, files: list[FileRef], tables: dict[str, pa.Table], columns: Sequence[str]
    ) -> str:
        """The FROM clause over ``files``: DuckDB reads local files itself; files elsewhere
        are read with pyarrow (DuckDB's httpfs is not used) and registered as Arrow tables with
        the same hive columns (``symbol``, ``year``)."""
        if self.location.filesystem is None:
            return scan_clause([ref.path for ref in files])
        import pyarrow as pa

        with self.location.guard("reading"):
            parts = reader.read_tables(files, columns, filesystem=self.location.filesystem)
        counts = np.array([part.num_rows for part in parts])
        years = [int(m.group(1)) if (m := _YEAR.search(ref.path)) else 0 for ref in files]
        table = (
            pa.concat_tables(parts)
            .append_column("symbol", pa.array(np.repeat([r.symbol for r in files], counts)))
            .append_column("year", pa.array(np.repeat(np.array(years, np.int64), counts)))
        )
        name = f"lake_scan_{len(tables)}"
        tables[name] = table
        return name

    def query_stable(
        self,
        query: str,
        params: Sequence[Any],
        files: list[str],
        tables: dict[str, pa.Table] | None = None,
        *,
        as_rows: bool = False,
    ) -> Any:
        """``query``, run again when one of ``files`` was replaced while it ran (unless the
        rows were read beforehand into ``tables``, each file once); a frame, or with
        ``as_rows`` tuples of plain values."""
        import duckdb

        if tables:
            try:
                return self.query(query, params, tables, as_rows=as_rows)
            except duckdb.Error as error:
                raise DataError(f"query failed: {_first_line(error)}") from None

        for _ in range(_SQL_ATTEMPTS):
            before = [reader.identity(f) for f in files]
            try:
                result = self.query(query, params, as_rows=as_rows)
            except duckdb.Error as error:
                if [reader.identity(f) for f in files] == before:
                    raise DataError(f"query failed: {_first_line(error)}") from None
                continue
            if [reader.identity(f) for f in files] == before:
                return result
        raise DataError(
            f"the lake's files kept changing during {_SQL_ATTEMPTS} runs of a query; try again"
        )

    def query(
        self,
        query: str,
        params: Sequence[Any] = (),
        tables: dict[str, pa.Table] | None = None,
        *,
        as_rows: bool = False,
    ) -> Any:
        """A frame, or with ``as_rows`` the rows as tuples of plain values (no pandas)."""
        cursor = self._connect().cursor()
        try:
            for name, table in (tables or {}).items():
                cursor.register(name, table)
            result = cursor.execute(query, list(params))
            return result.fetchall() if as_rows else result.df()
        finally:
            cursor.close()

    def _connect(self) -> Any:
        with self._lock:
            if self._connection is None:
                import duckdb

                self._connection = duckdb.connect(":memory:")
                self._connection.execute("SET TimeZone = 'UTC'")
                # a cached block of a replaced file must never be served for its successor
                self._connection.execute("SET enable_external_file_cache = false")
            return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def scan_clause(files: list[str]) -> str:
    """``read_parquet`` of local ``files``, with the hive columns ``symbol`` and ``year``."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return (
        f"read_parquet([{listed}], hive_partitioning = true, "
        "hive_types = {'symbol': VARCHAR, 'year': BIGINT})"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
