"""A real PostgreSQL server with pgvector for the tests in tests/test_postgres_*.py, started once per session
(initdb + pg_ctl in a temporary folder, 127.0.0.1, fsync off; see bench/pg_server.py). Never a mock."""
from __future__ import annotations

import shutil
import uuid

import pytest

from bench import pg_server

_shared: dict[str, object] = {}


@pytest.fixture(scope="session")
def pg():
    if "pg" not in _shared:
        folder = pg_server.usable_folder(None)
        _shared["pg"] = pg_server.start(folder)
    yield _shared["pg"]
    server = _shared.pop("pg", None)  # each importing module has its own copy of this fixture: stop once
    if server is not None:
        pg_server.stop(server.folder, mode="immediate")
        shutil.rmtree(server.folder, ignore_errors=True)


def new_collection() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def postgres_without_pgvector(root) -> "Path":
    """A copy of the server binary whose installation lacks pgvector: PostgreSQL finds its share/ and lib/ folders
    relative to its own executable, so a copy beside share/lib folders without vector.* is a real server without it."""
    from pathlib import Path

    bindir = pg_server.PG_BIN
    prefix = Path(root) / "nopgvector"
    share_src, lib_src = Path("/usr/share/postgresql") / bindir.parent.name, bindir.parent / "lib"
    new_bin = prefix / bindir.relative_to("/")
    new_share = prefix / share_src.relative_to("/")
    new_lib = prefix / lib_src.relative_to("/")
    new_bin.mkdir(parents=True, exist_ok=True)
    shutil.copy2(bindir / "postgres", new_bin / "postgres")
    shutil.copytree(share_src, new_share, dirs_exist_ok=True, ignore=shutil.ignore_patterns("vector*"))
    new_lib.mkdir(parents=True, exist_ok=True)
    for lib in lib_src.iterdir():
        if not lib.name.startswith("vector") and lib.name != "bitcode":
            (new_lib / lib.name).unlink(missing_ok=True)
            (new_lib / lib.name).symlink_to(lib)
    for path in [prefix, *prefix.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o755 if path.is_dir() or path.name == "postgres" else path.stat().st_mode | 0o644)
    return new_bin / "postgres"
