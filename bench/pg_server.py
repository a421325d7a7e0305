"""Throwaway PostgreSQL servers for tests, benchmarks and `make postgres`: initdb + pg_ctl in a folder,
127.0.0.1 only, fsync off (nothing here must survive a power cut; commits do survive a crash of the server), password auth over TCP.

    python -m bench.pg_server start [FOLDER]   # prints the database URL as the last line
    python -m bench.pg_server stop [FOLDER]
    python -m bench.pg_server start-bench FOLDER   # with BENCH_SETTINGS (large shared buffers), for --database-url

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (runuser).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("ASSISTANT_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "quellenchat-test"
SETTINGS = ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=60",
            "-c", "shared_buffers=256MB", "-c", "maintenance_work_mem=512MB"]
# a benchmark server as one would configure it for a million chunks: the HNSW graph (~1.3 GB) and the hot table
# pages in shared buffers, few checkpoints during bulk loads
BENCH_SETTINGS = ["-c", "shared_buffers=4GB", "-c", "max_wal_size=8GB", "-c", "effective_cache_size=12GB"]


@dataclass(frozen=True)
class Server:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def url_with(self, password: str = PASSWORD, dbname: str = "postgres") -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{dbname}"


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def usable_folder(wanted: Path | None) -> Path:
    """`wanted` if the postgres user can reach it, else a fresh folder in /tmp (pytest's tmp dirs are 0700 root)."""
    if wanted is not None:
        wanted.mkdir(parents=True, exist_ok=True)
        _own(wanted)
        if _as_postgres(["test", "-w", str(wanted)]).returncode == 0:
            return wanted
    folder = Path(tempfile.mkdtemp(prefix="quellenchat-pg-"))
    folder.chmod(0o755)
    _own(folder)
    return folder


def init(folder: Path) -> None:
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    _own(pwfile)
    done = _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
                         "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C", "--no-sync"])
    pwfile.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")


def start(folder: Path, port: int | None = None, postgres_bin: Path | None = None, settings: list[str] = ()) -> Server:
    """Start (initialising on first use) a server whose data lives in `folder`/data; `settings` override SETTINGS."""
    if not (folder / "data" / "PG_VERSION").is_file():
        init(folder)
    port = port or free_port()
    options = " ".join(["-c listen_addresses=127.0.0.1", f"-p {port}", f"-k {folder / 'data'}", *[
        f"{a} {b}" for a, b in zip(SETTINGS[::2], SETTINGS[1::2])], *[
        f"{a} {b}" for a, b in zip(settings[::2], settings[1::2])]])
    cmd = [str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "data" / "server.log"), "-w", "-t", "60",
           "-o", options]
    if postgres_bin is not None:  # another postgres binary (tests: one whose installation lacks pgvector)
        cmd += ["-p", str(postgres_bin)]
    done = _as_postgres([*cmd, "start"])
    if done.returncode != 0:
        log = (folder / "data" / "server.log")
        raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log.read_text()[-500:] if log.exists() else ''}")
    (folder / "port").write_text(str(port))
    return Server(folder, port)


def stop(folder: Path, mode: str = "fast") -> None:
    if (folder / "data" / "postmaster.pid").exists():
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", mode, "-w", "stop"])


def wait_until_down(port: int, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("start", "stop", "start-bench"):
        sys.stderr.write(__doc__)
        return 2
    folder = Path(argv[1]) if len(argv) > 1 else Path(".postgres")
    if argv[0] == "stop":
        stop(folder.resolve())
        print(f"stopped the server in {folder}")
        return 0
    if not folder.exists() or folder.is_symlink():
        real = usable_folder(folder.resolve())
        if real != folder.resolve():  # the postgres user cannot reach the repository: data in /tmp, linked here
            if folder.is_symlink():
                folder.unlink()
            folder.rmdir() if folder.is_dir() else None
            folder.symlink_to(real)
    real = folder.resolve()
    running = (real / "data" / "postmaster.pid").exists() and (real / "port").exists()
    settings = BENCH_SETTINGS if argv[0] == "start-bench" else []
    server = Server(real, int((real / "port").read_text())) if running else start(real, settings=settings)
    print(f"PostgreSQL {PG_BIN.parent.name} + pgvector, data in {folder}; stop it with `make postgres-stop`")
    print(server.url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
