"""A private PostgreSQL cluster from Debian's binaries: its own data directory and port.

Used by `make team-demo`, the load test and the tests that restart the database: they never
touch the machine's shared server. As root the server runs as the `postgres` OS user
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def bin_dir() -> Path:
    """The newest installed /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise FileNotFoundError("PostgreSQL's server binaries are not installed (apt-get install postgresql).")
    return Path(found[-1]).parent


def _let_postgres_through(folder: Path) -> None:
    """Let the postgres user traverse the folders down to the cluster (search permission only,
    no listing): a checkout in a private folder, such as one made by mktemp -d, is otherwise
    out of the server's reach and initdb fails."""
    for path in (*reversed(folder.parents), folder):
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            path.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


class Cluster:
    def __init__(self, home: Path, port: int):
        self.home, self.port = Path(home), port
        self.data, self.run_dir, self.log = self.home / "pgdata", self.home / "run", self.home / "postgresql.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        """initdb once: trust authentication on 127.0.0.1 only, UTF-8."""
        if (self.data / "PG_VERSION").exists():
            return
        for path in (self.home, self.run_dir):
            path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            _let_postgres_through(self.home.resolve().parent)
            shutil.chown(self.home, "postgres")
            shutil.chown(self.run_dir, "postgres")
        self._as_owner(str(bin_dir() / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                       "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip

    def is_running(self) -> bool:
        status = subprocess.run(
            [str(bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
        )
        return status.returncode == 0

    def start(self) -> None:
        self.init()
        options = f"-p {self.port} -k {self.run_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._pg_ctl("start", "-l", str(self.log), "-o", options)

    def restart(self) -> None:
        """A fast restart: every session is cut off, as a crash or failover would do to the app."""
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.log))  # the log keeps the server off our pipes

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._as_owner(str(bin_dir() / "pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", *options)

    def fresh_database(self, name: str) -> str:
        """An empty database of that name (dropped first if it exists); returns its URL."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    @contextmanager
    def running(self) -> Iterator[Cluster]:
        """Started for the block and stopped after it, unless it was running already."""
        was_running = self.is_running()
        if not was_running:
            self.start()
        try:
            yield self
        finally:
            if not was_running:
                self.stop()
