"""Real databases for the archive tests: a SQLite file, and a throw-away PostgreSQL cluster.

The cluster comes from the Debian ``postgresql`` package (initdb/pg_ctl under
/usr/lib/postgresql/*/bin): initdb in a temporary folder, run as an unprivileged user (``nobody``
when the tests run as root), listening on 127.0.0.1 on a free port, stopped at the end of the
session. Missing package: the PostgreSQL tests are skipped — or fail under ``CI=true``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

INSTALL = "apt-get install postgresql"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_user = ["runuser", "-u", "nobody", "--"]
            shutil.chown(self.root, "nobody")
            os.chmod(self.root, 0o700)
        self._n = itertools.count(1)

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120, cwd=self.root,
                              check=False)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed: {proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "jixiao", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "-N")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts,
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=120, cwd=self.root, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://jixiao@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg

        name = f"archive_{os.getpid()}_{next(self._n)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster():
    bindir = _pg_bin()
    if bindir is None:
        msg = f"PostgreSQL not found under /usr/lib/postgresql/*/bin: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    cluster = PgCluster(bindir)
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    time.sleep(0.2)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, tmp_path):
    """A fresh, empty archive URL: a SQLite file, or a new database on the throw-away cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jixiao.db'}"
    return request.getfixturevalue("pg_cluster").new_database()
