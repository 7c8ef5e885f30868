"""`make team-demo`: OrderHub as a team runs it, on one machine, from the project's own files.

A private PostgreSQL cluster (data/team/pg) with the demo data, two Streamlit replicas, one
worker and nginx in front with sticky sessions (deploy/nginx). `up` starts everything, prints
the URL and runs until Ctrl-C or SIGTERM, then stops it all; `down` stops a stack left behind.

python -m ops.teamdemo up [--no-demo-data]   |   python -m ops.teamdemo down
Ports: ORDERHUB_TEAM_PORT (nginx, 8480), ORDERHUB_TEAM_PG_PORT (55432), replicas on 8601, 8602.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from core.store.db import ROOT
from ops import nginx, units
from ops.pgcluster import Cluster

PY = sys.executable
HOME = ROOT / "data" / "team"
DATABASE = "orderhub"


@dataclass
class Ports:
    nginx: int = int(os.environ.get("ORDERHUB_TEAM_PORT", "8480"))
    postgres: int = int(os.environ.get("ORDERHUB_TEAM_PG_PORT", "55432"))
    replicas: list[int] = field(default_factory=lambda: [8601, 8602])


class Stack:
    def __init__(self, home: Path = HOME, ports: Ports | None = None):
        self.home, self.ports = Path(home), ports or Ports()
        self.cluster = Cluster(self.home / "pg", self.ports.postgres)
        self.logs = self.home / "logs"
        self.pids: dict[str, int] = {}
        self._started: dict[str, tuple[list[str], dict[str, str]]] = {}  # name -> (command, env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}/"

    @property
    def database_url(self) -> str:
        return self.cluster.url(DATABASE)

    def up(self, demo_data: bool = True) -> None:
        """Start every part, in dependency order, each checked before the next starts."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.cluster.start()
        self._create_database(demo_data)
        env = {**os.environ, "ORDERHUB_DATABASE_URL": self.database_url, "ORDERHUB_COOKIE_KEY": self._cookie_key()}
        # The very commands of the systemd units in deploy/systemd, run from this checkout.
        for n, port in enumerate(self.ports.replicas, 1):
            self._spawn(f"replica-{n}", units.exec_start("orderhub-app@.service", str(port)), env)
        self._spawn("worker", units.exec_start("orderhub-worker.service"), env)
        for port in self.ports.replicas:
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", 90)
        self._spawn("nginx", nginx.configure(self.home / "nginx", self.ports.nginx, self.ports.replicas), env)
        wait_healthy(self.url + "_stcore/health", 30)
        self._save()

    def down(self) -> None:
        """Stop nginx, the worker and the replicas (TERM, then KILL), then PostgreSQL."""
        self._load()
        for name in ["nginx", "worker", *sorted(n for n in self.pids if n.startswith("replica"))]:
            stop_process(self.pids.pop(name, 0))
        self.cluster.stop()
        (self.home / "stack.json").unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """SIGKILL one part (a replica crashing), for the failure drills."""
        os.kill(self.pids[name], signal.SIGKILL)
        os.waitpid(self.pids[name], 0)

    def respawn(self, name: str) -> None:
        """Start a killed part again, as systemd's Restart=always would, and wait for it."""
        self._spawn(name, *self._started[name])
        if name.startswith("replica"):
            port = self.ports.replicas[int(name.split("-")[1]) - 1]
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", 90)
            time.sleep(nginx.FAIL_TIMEOUT)  # until nginx lets traffic back to it

    def _create_database(self, demo_data: bool) -> None:
        admin = create_engine(self.cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}).first():
                conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        command = [PY, "cli.py", "init", *(["--demo"] if demo_data else [])]  # migrates; demo data if empty
        env = {**os.environ, "ORDERHUB_DATABASE_URL": self.database_url}
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=600)

    def _cookie_key(self) -> str:
        """One login-cookie key for every replica (as /etc/orderhub/orderhub.env gives them), so a
        browser that moves to another replica is still recognised."""
        if key := os.environ.get("ORDERHUB_COOKIE_KEY"):
            return key
        path = self.home / "cookie_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text()

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._started[name] = (command, env)
        log = (self.logs / f"{name}.log").open("ab")
        # A session of its own: Ctrl-C reaches only the supervisor, which stops the parts in order.
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        self.pids[name] = process.pid
        self._save()

    def _save(self) -> None:
        state = {"pids": self.pids, "ports": asdict(self.ports)}
        (self.home / "stack.json").write_text(json.dumps(state, indent=2))

    def _load(self) -> None:
        saved = self.home / "stack.json"
        if not self.pids and saved.exists():
            self.pids = json.loads(saved.read_text())["pids"]


def wait_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).text == "ok":
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer ok within {timeout:.0f} s")
        time.sleep(0.3)


def stop_process(pid: int, grace: float = 10) -> None:
    """SIGTERM, wait up to grace seconds, then SIGKILL; a process already gone is fine."""
    if not pid:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    _reap(pid)


def is_alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _reap(pid: int) -> None:
    """Collect our own child's exit status (a zombie still answers kill 0)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.teamdemo", description=__doc__)
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--no-demo-data", action="store_true", help="an empty store instead of 90 days of demo data")
    args = parser.parse_args(argv)
    stack = Stack()
    if args.action == "down":
        stack.down()
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stack.up(demo_data=not args.no_demo_data)
        print(f"OrderHub for a team: {stack.url}  (PostgreSQL {stack.database_url}); Ctrl-C stops it", flush=True)
        stop.wait()
    finally:
        stack.down()
        print("team demo stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
