"""Crash safety: SIGKILL a real `python -m assistant index` child at every stage of a build, when the index
folder shows a build embedding, writing, renaming or switching, and after random delays.

After each kill the live index must load whole and answer (the old one, or the complete new one once CURRENT
has moved); the next `assistant index` must finish the work. Stages are reached deterministically with
ASSISTANT_TEST_PAUSE_AT=<stage> (the build sleeps there until killed); the folder events need no hook.
Damaged index files and a damaged embedding cache must give a one-line message or be repaired, never a traceback.
"""
from __future__ import annotations

import json
import random
import shutil
import sqlite3
import time
from pathlib import Path

from test_reliability_support import (  # noqa: F401  (fixtures are used by name)
    BASE_ANSWER,
    BASE_QUESTION,
    assert_answers,
    assert_index_whole,
    base_index,
    copy_index,
    current_generation,
    embedder,
    kill,
    run_cli,
    start_index,
    wait_for_pause,
    write_synthetic_docs,
)

NEW_QUESTION = "Wie heißt die Fähre nach Helgoland?"
NEW_ANSWER = "Seestern Nord"
# In build order; "switched" is the first stage after which the new generation is live.
STAGES = ["locked", "embedding", "writing", "written", "switching", "switched"]


def _change_corpus(docs: Path, n_docs: int) -> set[str]:
    """Add synthetic files and one with a known answer, delete one old file; returns the new set of ids."""
    before = {p.name for p in docs.iterdir()}
    write_synthetic_docs(docs, n_docs=n_docs, sentences=40, seed=n_docs)
    (docs / "faehre.txt").write_text(
        "Neue Schiffsverbindung\n\nDie Fähre nach Helgoland heißt seit dem Sommer 2023 Seestern Nord. "
        "Sie fährt täglich um 9 Uhr ab Cuxhaven.", encoding="utf-8")
    assert "004_e85212cae8a71ee6.txt" in before
    (docs / "004_e85212cae8a71ee6.txt").unlink()
    return {p.name for p in docs.iterdir()}


def _cache_rows(index: Path) -> int:
    db = sqlite3.connect(index / "cache" / "embeddings.sqlite")
    try:
        return db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        db.close()


def _assert_finished(docs: Path, index: Path, embedder, new_ids: set[str]) -> dict:
    result = run_cli("index", "--docs", str(docs), "--index", str(index), "--json", cwd=docs.parent)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert_index_whole(index, embedder, new_ids)
    assert_answers(index, docs, embedder, NEW_QUESTION, NEW_ANSWER)
    assert_answers(index, docs, embedder)
    leftovers = sorted(p.name for p in index.iterdir() if p.name.endswith(".tmp"))
    assert leftovers == [], leftovers
    assert len(list(index.glob("gen-*"))) <= 2  # the live generation and its predecessor
    return report


def test_sigkill_at_each_build_stage_keeps_the_previous_index(base_index, embedder, tmp_path):
    docs, index = copy_index(base_index, tmp_path)
    old_ids = {p.name for p in docs.iterdir()}
    old_gen = current_generation(index)
    new_ids = _change_corpus(docs, n_docs=5)  # > EMBED_BATCH new chunks, so the build pauses mid-embedding
    cached_before = _cache_rows(index)

    for stage in STAGES:
        log = tmp_path / f"{stage}.log"
        proc = start_index(docs, index, log, pause_at=stage)
        wait_for_pause(proc, log, stage)
        kill(proc)
        if stage == "embedding":  # what was embedded before the crash is kept for the next run
            assert _cache_rows(index) > cached_before
        if stage != "switched":
            assert current_generation(index) == old_gen, stage
            assert_index_whole(index, embedder, old_ids)
            assert_answers(index, docs, embedder)
        else:  # killed after the switch, before old generations were removed: the new index is live and whole
            assert current_generation(index) != old_gen
            assert_index_whole(index, embedder, new_ids)
            assert_answers(index, docs, embedder, NEW_QUESTION, NEW_ANSWER)

    report = _assert_finished(docs, index, embedder, new_ids)
    assert report["embedded_chunks"] == 0  # the killed runs' embeddings were all reused


def test_sigkill_during_a_full_rebuild_keeps_the_previous_index(base_index, embedder, tmp_path):
    """`index --full` (and the UI's button) builds beside the live index like any build: killed before the switch,
    the old index stays live, whole and answering; the next full rebuild finishes from the embedding cache."""
    docs, index = copy_index(base_index, tmp_path)
    old_ids = {p.name for p in docs.iterdir()}
    old_gen = current_generation(index)
    new_ids = _change_corpus(docs, n_docs=1)
    for stage in ("locked", "writing", "written", "switching"):
        log = tmp_path / f"full-{stage}.log"
        proc = start_index(docs, index, log, pause_at=stage, args=("--full",))
        wait_for_pause(proc, log, stage)
        kill(proc)
        assert current_generation(index) == old_gen, stage
        assert_index_whole(index, embedder, old_ids)
        assert_answers(index, docs, embedder)
    result = run_cli("index", "--full", "--docs", str(docs), "--index", str(index), "--json", cwd=docs.parent)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["full"] and report["embedded_chunks"] == 0  # the killed runs embedded the new text already
    assert set(report["changed"]) == old_ids - {"004_e85212cae8a71ee6.txt"}  # every file indexed before, re-read
    assert_index_whole(index, embedder, new_ids)
    assert_answers(index, docs, embedder, NEW_QUESTION, NEW_ANSWER)


def _poll_until(proc, index: Path, event: str, before: dict, timeout: float = 240) -> bool:
    """Spin until `event` is visible in the index folder; False if the build finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if event == "embedding" and _cache_rows(index) > before["cache"]:
            return True
        if event == "writing" and any(index.glob("gen-*.tmp")):
            return True
        if event == "written" and {p.name for p in index.glob("gen-*")} - before["gens"] - {p.name for p in index.glob("gen-*.tmp")}:
            return True
        if event == "switched" and current_generation(index) != before["current"]:
            return True
        time.sleep(0.002)
    raise AssertionError(f"{event} not seen in time")


def test_sigkill_when_the_index_folder_changes_and_at_random_moments(base_index, embedder, tmp_path):
    """No hooks: watch the index folder and kill as soon as a build is seen embedding, writing a generation,
    renaming it, or switching CURRENT; then a few kills after random delays. Each time a new file is added, so
    every run has work to do. After each kill the live index is the old one or the complete new one, never a mix."""
    docs, index = copy_index(base_index, tmp_path)
    live_ids = {p.name for p in docs.iterdir()}
    rng = random.Random(5)
    plan = ["embedding", "writing", "written", "switched"] * 2 + [rng.uniform(0.3, 3.5) for _ in range(3)]
    kills = 0
    for attempt, point in enumerate(plan):
        write_synthetic_docs(docs, n_docs=1, sentences=6, seed=100 + attempt)
        on_disk = {p.name for p in docs.iterdir()}
        before = {"cache": _cache_rows(index), "gens": {p.name for p in index.glob("gen-*")},
                  "current": current_generation(index)}
        proc = start_index(docs, index, tmp_path / f"run{attempt}.log")
        if isinstance(point, str):
            caught = _poll_until(proc, index, point, before)
        else:
            time.sleep(point)
            caught = proc.poll() is None
        kill(proc)
        kills += caught
        if current_generation(index) != before["current"]:
            live_ids = on_disk
        assert_index_whole(index, embedder, live_ids)
        assert_answers(index, docs, embedder)
    assert kills >= 6  # a folder event is seen before the build exits, except on a badly stalled machine
    final = run_cli("index", "--docs", str(docs), "--index", str(index), "--json", cwd=docs.parent)
    assert final.returncode == 0, final.stderr.decode()
    assert_index_whole(index, embedder, {p.name for p in docs.iterdir()})
    assert_answers(index, docs, embedder)
    assert not list(index.glob("*.tmp")) and len(list(index.glob("gen-*"))) <= 2


# What a disk error, a half-finished copy or a stray editor can leave in the live generation.
DAMAGE = {
    "vectors.faiss garbage": lambda gen: (gen / "vectors.faiss").write_bytes(b"garbage"),
    "vectors.faiss truncated": lambda gen: (gen / "vectors.faiss").write_bytes((gen / "vectors.faiss").read_bytes()[:100]),
    "store.sqlite garbage": lambda gen: (gen / "store.sqlite").write_bytes(b"garbage" * 1000),
    "store.sqlite missing": lambda gen: (gen / "store.sqlite").unlink(),
    "manifest.json garbage": lambda gen: (gen / "manifest.json").write_text("{garbage"),
    "bm25 array garbage": lambda gen: (gen / "bm25" / "indptr.csc.index.npy").write_bytes(b"\x93NUMPY garbage"),
    "bm25 vocab missing": lambda gen: (gen / "bm25" / "vocab.index.json").unlink(),
}


def test_a_damaged_index_is_reported_in_one_line_and_the_next_build_repairs_it(base_index, embedder, tmp_path):
    """Each kind of damage, one at a time: `assistant ask` answers (it noticed and rebuilt) or refuses with one
    line that says to run `assistant index`; never a traceback. `assistant index` then repairs the index."""
    docs, index = copy_index(base_index, tmp_path)
    pristine = tmp_path / "pristine"
    shutil.copytree(index, pristine)
    ask = ("ask", BASE_QUESTION, "--docs", str(docs), "--index", str(index))
    for name, damage in DAMAGE.items():
        shutil.rmtree(index)
        shutil.copytree(pristine, index)
        damage(index / current_generation(index))
        first = run_cli(*ask, cwd=tmp_path)
        err = first.stderr.decode()
        assert "Traceback" not in err, (name, err)
        if first.returncode != 0:
            assert first.returncode == 2 and err.count("\n") == 1 and "assistant index" in err, (name, err)
            repaired = run_cli("index", "--docs", str(docs), "--index", str(index), cwd=tmp_path)
            assert repaired.returncode == 0, (name, repaired.stderr.decode())
            first = run_cli(*ask, cwd=tmp_path)
        assert first.returncode == 0 and BASE_ANSWER in first.stdout.decode(), (name, first.stderr.decode())
        assert_index_whole(index, embedder)


def test_a_damaged_embedding_cache_is_replaced_not_fatal(base_index, embedder, tmp_path):
    """The cache is only a cache: if it cannot be opened, the build starts a new one and re-embeds."""
    docs, index = copy_index(base_index, tmp_path)
    cache = index / "cache" / "embeddings.sqlite"
    for extra in cache.parent.glob("embeddings.sqlite-*"):
        extra.unlink()
    cache.write_bytes(b"garbage" * 100)
    (docs / "faehre.txt").write_text("Die Fähre nach Helgoland heißt seit dem Sommer 2023 Seestern Nord.", encoding="utf-8")
    run = run_cli("index", "--docs", str(docs), "--index", str(index), "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout)["added"] == ["faehre.txt"]
    assert_index_whole(index, embedder)
    assert_answers(index, docs, embedder, NEW_QUESTION, NEW_ANSWER)
    assert _cache_rows(index) >= 1
