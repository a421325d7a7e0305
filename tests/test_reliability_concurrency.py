"""Concurrency: questions keep being answered, from the old or the new index, while the index is rebuilt;
two rebuilds never run at once, and a killed builder never blocks the next one.

A document changes between the two indexes (the lighthouse's year and height), so an answer mixing the new
generation's offsets with the old text, or the reverse, would fail citation verification and show up here.
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.index import IndexBusy, update_index
from assistant.pipeline import Assistant
from test_reliability_support import (  # noqa: F401  (fixtures are used by name)
    BASE_ANSWER,
    BASE_QUESTION,
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

THREADS = 20
LIGHTHOUSE_Q = "Wann wurde der Leuchtturm von Kleinwerder erbaut?"
V1 = ("Kleinwerder\n\nDer Leuchtturm von Kleinwerder wurde im Jahr 1911 erbaut und ist 31 Meter hoch. "
      "Er steht auf einer Sandbank vor der Küste.")
V2 = ("Kleinwerder (überarbeitet)\n\nNach neuen Funden im Stadtarchiv gilt: Der Leuchtturm von Kleinwerder wurde "
      "im Jahr 1932 erbaut und ist 45 Meter hoch. Er steht auf einer Sandbank vor der Küste.")


def _version_of(answer) -> str:
    """'v1' or 'v2': which text the answer's lighthouse quote was verified against; fails on anything else."""
    assert not answer.abstained, answer
    versions = set()
    for c in answer.citations:
        if c.document == "leuchtturm.txt":
            matches = {v for v, text in (("v1", V1), ("v2", V2)) if text[c.start:c.end] == c.quote}
            assert len(matches) == 1, c
            versions |= matches
    assert len(versions) == 1, answer
    return versions.pop()


def _setup(base_index, embedder, tmp_path) -> tuple[Path, Path]:
    """Old index: base corpus + lighthouse v1. Then the folder changes: lighthouse v2 and enough new text that
    a rebuild takes a few seconds."""
    docs, index = copy_index(base_index, tmp_path)
    (docs / "leuchtturm.txt").write_text(V1, encoding="utf-8")
    update_index(docs, index, embedder)
    (docs / "leuchtturm.txt").write_text(V2, encoding="utf-8")
    write_synthetic_docs(docs, n_docs=3, sentences=40, seed=7)
    return docs, index


def _ask_until(assistant: Assistant, done: threading.Event, worker: int) -> list[tuple[float, float, str, object]]:
    """One questioner: alternate two questions until `done`, then ask about the lighthouse once more; record
    (start, end, question, answer or exception) for every question."""
    out = []
    i = worker
    while True:
        finished = done.is_set()
        question = LIGHTHOUSE_Q if finished or i % 2 == 0 else BASE_QUESTION  # the last one checks the new index
        started = time.monotonic()
        try:
            answer = assistant.ask(question)
        except Exception as err:  # recorded, then reported by the test with the question that caused it
            answer = err
        out.append((started, time.monotonic(), question, answer))
        i += 1
        if finished:
            return out


@pytest.mark.parametrize("rebuild", ["cli-process", "in-process"])
def test_twenty_threads_keep_getting_whole_answers_during_a_rebuild(base_index, embedder, tmp_path, rebuild):
    docs, index = _setup(base_index, embedder, tmp_path)
    assistant = Assistant(docs, index, embedder)
    assert _version_of(assistant.ask(LIGHTHOUSE_Q)) == "v1"
    old_gen = current_generation(index)

    done = threading.Event()
    if rebuild == "cli-process":
        proc = start_index(docs, index, tmp_path / "rebuild.log")
        threading.Thread(target=lambda: (proc.wait(), done.set()), daemon=True).start()
    else:  # as the UI does it: the same Assistant rebuilds in a background thread while it answers
        errors: list[BaseException] = []

        def rebuild_in_thread():
            try:
                assistant.update()
            except BaseException as err:
                errors.append(err)
            finally:
                done.set()

        threading.Thread(target=rebuild_in_thread, daemon=True).start()
    with ThreadPoolExecutor(THREADS) as pool:
        per_thread = list(pool.map(lambda w: _ask_until(assistant, done, w), range(THREADS)))
    results = [r for rs in per_thread for r in rs]
    if rebuild == "cli-process":
        assert proc.returncode == 0, (tmp_path / "rebuild.log").read_text()
    else:
        assert not errors, errors
    assert current_generation(index) != old_gen

    failures = [(q, r) for _, _, q, r in results if isinstance(r, Exception)]
    assert not failures, failures[:3]
    versions = []
    for _, _, question, answer in results:
        if question == LIGHTHOUSE_Q:
            versions.append(_version_of(answer))
        else:
            assert not answer.abstained and any(BASE_ANSWER in c.quote for c in answer.citations), answer
    during = len(results) - THREADS  # each thread's last question was asked after the rebuild had finished
    assert during >= THREADS, f"only {during} questions were asked during the rebuild"
    assert "v1" in versions  # the old index answered while the new one was being built ...
    finals = [rs[-1] for rs in per_thread]
    assert all(_version_of(a) == "v2" for _, _, _, a in finals)  # ... and the new one once it is live
    # once a question has been answered from the new index, no question asked after that gets the old one
    first_new = min(end for _, end, q, a in results if q == LIGHTHOUSE_Q and _version_of(a) == "v2")
    assert all(_version_of(a) == "v2" for start, _, q, a in results if q == LIGHTHOUSE_Q and start > first_new)
    assert_index_whole(index, embedder)
    print(f"{rebuild}: {during} questions answered during the rebuild, {len(results)} in all")


def test_cli_questions_during_a_rebuild_are_answered_from_the_old_index(base_index, embedder, tmp_path):
    """`assistant ask` on a stale index normally rebuilds first; while another build holds the lock it must answer
    from the live index instead of failing."""
    docs, index = _setup(base_index, embedder, tmp_path)
    log = tmp_path / "rebuild.log"
    builder = start_index(docs, index, log, pause_at="locked")
    try:
        wait_for_pause(builder, log, "locked")
        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(
                lambda q: run_cli("ask", q, "--docs", str(docs), "--index", str(index), "--json", cwd=tmp_path),
                [LIGHTHOUSE_Q, BASE_QUESTION] * 2,
            ))
    finally:
        kill(builder)
    for run in runs:
        assert run.returncode == 0, run.stderr.decode()
        assert run.stderr.decode().startswith("assistant: the index is being rebuilt; answering from the current index")
        assert b"Traceback" not in run.stderr
        answer = json.loads(run.stdout)
        assert not answer["abstained"] and answer["citations"], answer
        if answer["question"] == LIGHTHOUSE_Q:
            assert any("1911" in c["quote"] for c in answer["citations"]), answer


def test_a_second_rebuild_is_refused_and_a_killed_builder_blocks_nothing(base_index, embedder, tmp_path):
    docs, index = _setup(base_index, embedder, tmp_path)
    log = tmp_path / "first.log"
    first = start_index(docs, index, log, pause_at="locked")
    try:
        wait_for_pause(first, log, "locked")
        second = run_cli("index", "--docs", str(docs), "--index", str(index), cwd=tmp_path)
        assert second.returncode == 2
        message = second.stderr.decode().strip()
        assert message.startswith("assistant: another index build is running") and "\n" not in message, message
        with pytest.raises(IndexBusy):  # the same lock guards in-process builds (the UI's rebuild button)
            update_index(docs, index, embedder)
    finally:
        kill(first)  # SIGKILL while holding the lock: the kernel releases a flock with its holder
    third = run_cli("index", "--docs", str(docs), "--index", str(index), "--json", cwd=tmp_path)
    assert third.returncode == 0, third.stderr.decode()
    assert "leuchtturm.txt" in json.loads(third.stdout)["changed"]
    assert_index_whole(index, embedder)


def test_answers_stay_whole_through_back_to_back_rebuilds(base_index, embedder, tmp_path):
    """Many generation switches in quick succession (all embeddings cached, so each build is fast) while 20 threads
    ask: an Assistant must never load a generation that a later build is already deleting."""
    docs, index = copy_index(base_index, tmp_path)
    (docs / "leuchtturm.txt").write_text(V1, encoding="utf-8")
    update_index(docs, index, embedder)
    (docs / "leuchtturm.txt").write_text(V2, encoding="utf-8")
    update_index(docs, index, embedder)  # both versions' vectors are now cached
    assistant = Assistant(docs, index, embedder)
    done = threading.Event()
    builds: list[BaseException | None] = []

    def rebuild_loop():
        try:
            for n in range(12):
                (docs / "leuchtturm.txt").write_text(V1 if n % 2 == 0 else V2, encoding="utf-8")
                update_index(docs, index, embedder)
                builds.append(None)
        except BaseException as err:
            builds.append(err)
        finally:
            done.set()

    threading.Thread(target=rebuild_loop, daemon=True).start()
    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(lambda w: _ask_until(assistant, done, w), range(THREADS)) for r in rs]
    assert builds == [None] * 12, builds
    failures = [(q, r) for _, _, q, r in results if isinstance(r, Exception)]
    assert not failures, failures[:3]
    for _, _, question, answer in results:
        if question == LIGHTHOUSE_Q:
            _version_of(answer)


class _GatedEmbedder:
    """The real embedder, but passage embedding for texts containing "gated" waits for the test's signal."""

    def __init__(self, inner) -> None:
        self._inner, self.model_id, self.backend, self.dim = inner, inner.model_id, inner.backend, inner.dim
        self.entered, self.gate = threading.Event(), threading.Event()

    def embed_query(self, text):
        return self._inner.embed_query(text)

    def embed_passages(self, texts):
        if any("gated" in t for t in texts):
            self.entered.set()
            assert self.gate.wait(60)
        return self._inner.embed_passages(texts)


def test_sentence_memo_eviction_by_another_question_does_not_break_an_answer(base_index, embedder, tmp_path):
    """Question B needs an old memo entry plus one new sentence; while B's new sentence is embedded, question A
    fills the memo past its limit and evicts B's old entry. B must still get its vectors."""
    docs, index = copy_index(base_index, tmp_path)
    gated = _GatedEmbedder(embedder)
    assistant = Assistant(docs, index, gated)
    assistant._embed_sentences(["Ein alter Satz."])
    filler = embedder.embed_passages(["Füllsatz."])[0]
    for i in range(4999):  # the memo holds 5000 sentences; the old one is now the least recently used
        assistant._sentence_vectors[f"Füllsatz {i}."] = filler
    outcome: list = []
    b = threading.Thread(target=lambda: outcome.append(_try(assistant._embed_sentences, ["Ein alter Satz.", "Ein gated Satz."])))
    b.start()
    assert gated.entered.wait(60)
    assistant._embed_sentences(["Ein neuer Satz von Frage A."])  # evicts "Ein alter Satz."
    gated.gate.set()
    b.join(60)
    assert not isinstance(outcome[0], Exception), repr(outcome[0])
    assert outcome[0].shape == (2, embedder.dim)


def _try(fn, *args):
    try:
        return fn(*args)
    except Exception as err:
        return err


def test_loading_survives_two_rebuilds_that_delete_the_generation_being_opened(base_index, embedder, tmp_path,
                                                                                monkeypatch):
    """The race behind a long-running UI: it reads CURRENT, and before it has opened that generation, two builds
    finish and the second removes it. Reproduced exactly by running the two real builds at that moment."""
    import assistant.index as index_module

    docs, index = copy_index(base_index, tmp_path)
    (docs / "leuchtturm.txt").write_text(V1, encoding="utf-8")
    update_index(docs, index, embedder)
    real_init = index_module.Index.__init__
    raced = []

    def open_after_two_rebuilds(self, folder):
        if not raced:
            raced.append(folder.name)
            for text in (V2, V1):
                (docs / "leuchtturm.txt").write_text(text, encoding="utf-8")
                update_index(docs, index, embedder)
            assert not folder.exists()  # the generation we were about to open is gone
        real_init(self, folder)

    monkeypatch.setattr(index_module.Index, "__init__", open_after_two_rebuilds)
    answer = Assistant(docs, index, embedder).ask(LIGHTHOUSE_Q)
    assert raced and current_generation(index) != raced[0]
    assert _version_of(answer) == "v1"
