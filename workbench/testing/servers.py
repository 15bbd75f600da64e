"""Private database servers a test may stop and start at will: a PostgreSQL cluster
(``initdb`` + ``pg_ctl``) and a ``redis-server``, each on a free loopback port with its files
in a folder of the test's own. The shared servers other tests use are never touched.

PostgreSQL refuses to run as root: under root the cluster is made and run as the ``postgres``
user (through ``runuser``), which must exist, as it does wherever the server is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 # test servers of our own (PostgreSQL, Redis), never a shell
import tempfile
from pathlib import Path
from types import TracebackType

from workbench.testing.waiting import free_port, wait_until

__all__ = ["PrivatePostgres", "PrivateRedis", "postgres_binaries"]

_POSTGRES_HOMES = tuple(f"/usr/lib/postgresql/{major}/bin" for major in (17, 16, 15))


def postgres_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when neither is installed."""
    installed = [Path(p) for p in _POSTGRES_HOMES]
    on_path = shutil.which("initdb")
    if on_path:
        installed.append(Path(on_path).parent)
    return next((p for p in installed if (p / "initdb").exists() and (p / "pg_ctl").exists()), None)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster: ``start()``, ``stop()`` (``immediate``: a crash, no
    checkpoint) and ``start()`` again on the same port and data, ``close()`` to remove it."""

    def __init__(self, binaries: Path) -> None:
        # not under pytest's base folder: that is private to the user running the tests, and
        # under root the server runs as another user
        self.folder = Path(tempfile.mkdtemp(prefix="wb-postgres-"))
        self.port = free_port()
        self._bin = binaries
        self._data = self.folder / "data"
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_user:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self._data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self._data), "-w", "-l", log, "-o", options, "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self._data), "-w", "-m", mode, "stop")

    def close(self) -> None:
        if (self._data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, program: str, *args: str) -> None:
        # the programs of the PostgreSQL installation found above, arguments of our own
        done = subprocess.run(  # noqa: S603  # nosec B603 # fixed argv, no shell
            [*self._as_user, str(self._bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")


class PrivateRedis:
    """A ``redis-server`` of the test's own, without persistence: ``start()``, ``stop()``
    (SIGKILL: Redis gone at once) and ``start()`` again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        log = self.folder / "server.log"
        with log.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603  # nosec B603 B607 # fixed argv, redis-server from PATH
                ["redis-server",  # noqa: S607 - wherever PATH has it, as a person starts it
                 "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        process, client = self._process, redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server stopped: {log.read_text()[-2000:]}")
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        try:
            wait_until(answers, what=f"redis-server on port {self.port}", timeout=60)
        except BaseException:
            self.stop()
            raise
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=15)
            self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
