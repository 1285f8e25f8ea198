"""A real PostgreSQL for the shared-store tests: Debian's server binaries, a throwaway cluster on a Unix socket in a
temp folder (no TCP), run as a non-root user. Installed with apt when missing and the tests run as root (CI)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _install() -> Path | None:
    """apt-get install postgresql as root (the CI machine may not have it); None when that is not possible."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], env=env, check=False, capture_output=True)
    return _bin_dir()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """One running cluster; ``database()`` makes a fresh database and returns its libpq conninfo."""

    def __init__(self, bin_dir: Path, folder: Path, user: str):
        self.bin_dir, self.folder, self.user = bin_dir, folder, user
        self.socket_dir = folder / "sock"
        self.port = _free_port()  # the socket file's name carries the port; nothing listens on TCP

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        data = self.folder / "data"
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, self.user)
            shutil.chown(self.socket_dir, self.user)
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop", check=False)

    def conninfo(self, dbname: str) -> str:
        return f"dbname={dbname} host={self.socket_dir} port={self.port} user=postgres"

    def database(self) -> str:
        name = f"rb_{uuid.uuid4().hex[:10]}"
        self._run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", name)
        return self.conninfo(name)

    def query(self, dbname: str, sql: str) -> str:
        """psql's unaligned output of one statement (to look inside the catalog as an operator would)."""
        args = ("psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", "-d", dbname)
        return self._run(*args, "-At", "-c", sql).stdout

    def dump(self, dbname: str) -> str:
        """Everything a database holds, as pg_dump writes it (what an operator's backup would carry)."""
        return self._run("pg_dump", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres", dbname).stdout


def _folder_for(user: str, base: Path) -> Path:
    """A folder the server's user can reach: pytest's temp dirs sit under /tmp/pytest-of-root (mode 700)."""
    if os.geteuid() != 0:
        return base
    folder = Path("/tmp") / f"routeboard-pg-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o755)
    return folder


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A PostgreSQL cluster for the session (stopped at the end)."""
    bin_dir = _bin_dir() or _install()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql) and cannot be installed here")
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    folder = _folder_for(user, tmp_path_factory.mktemp("postgres"))
    server = Postgres(bin_dir, folder, user)
    server.start()
    yield server
    server.stop()
    if os.geteuid() == 0:
        shutil.rmtree(folder, ignore_errors=True)
