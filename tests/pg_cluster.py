"""A throwaway PostgreSQL cluster on loopback for the `postgres` tests: initdb in a temporary folder,
pg_ctl start on a free port, stop and delete at the end. Run as the `postgres` user when we are root
(the server refuses to run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, then Debian's versioned folders, newest first."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="mktcrm-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.user:
            shutil.chown(self.root, self.user)
        # --no-sync: a throwaway cluster needs no fsync of its files (half the start time).
        initdb = ("-U", "mktcrm", "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync")
        self._run(self.bindir / "initdb", "-D", self.data, *initdb)
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.root / "log", "-w", "start")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://mktcrm@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        try:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
