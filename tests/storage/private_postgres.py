"""A throwaway PostgreSQL server of the test's own (initdb in a temp dir, a free loopback port), so a test can
restart or kill it without disturbing the shared server other tests use."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """This machine cannot run a private PostgreSQL (no binaries, or no postgres user to run them as)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivatePostgres:
    """Start, restart and stop one server; `url` points at its `postgres` database."""

    bindir: Path
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._ctl("-o", options, "-l", str(self.datadir / "server.log"), "-w", "start")

    def restart(self, mode: str = "fast") -> None:
        """Restart the server as an operator would; `immediate` is a crash-like stop."""
        self._ctl("-m", mode, "-w", "stop")
        self.start()

    def stop(self) -> None:
        self._ctl("-m", "immediate", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """Create, start and finally remove a private server."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise Unavailable("no PostgreSQL server binaries")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="factbot-pg-", dir="/tmp"))
    datadir = root / "data"
    try:
        datadir.mkdir()
        initdb = [str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres", "--no-sync"]
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(datadir, "postgres")
            os.chmod(root, 0o755)
            initdb = ["runuser", "-u", "postgres", "--", *initdb]
        result = subprocess.run(initdb, capture_output=True, timeout=120, check=False)
        if result.returncode != 0:
            raise Unavailable(f"initdb failed: {result.stderr.decode(errors='replace')[:300]}")
        server = PrivatePostgres(bindir, datadir, _free_port())
        server.start()
        try:
            yield server
        finally:
            with suppress(subprocess.SubprocessError):
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
