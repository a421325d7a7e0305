"""The PostgreSQL store under faults, with real child processes, the real model and a real server:
SIGKILL of the indexer at every stage, two indexers, questions during an index run, a server restart
mid-session, a wrong password, no server, no pgvector. Every failure is one line (exit 2), never a traceback."""
from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from assistant.pipeline import Assistant
from assistant.store import StoreUnavailable, open_store
from bench import pg_server
from pg_support import new_collection, pg, postgres_without_pgvector  # noqa: F401  (fixture used by name)
from test_reliability_support import (  # noqa: F401  (fixtures are used by name)
    BASE_ANSWER, BASE_QUESTION, CHILD_TIMEOUT, child_env, cli, copy_base_docs, embedder, kill, run_cli,
    wait_for_pause, write_synthetic_docs,
)


def pg_assistant(docs: Path, url: str, embedder, collection: str) -> Assistant:
    return Assistant(docs, docs.parent / "no-index-folder", embedder, store=open_store(database_url=url, collection=collection))


def indexed_base(tmp_path: Path, server, embedder) -> tuple[Path, str]:
    docs = copy_base_docs(tmp_path / "documents")
    collection = new_collection()
    pg_assistant(docs, server.url, embedder, collection).update()
    return docs, collection


def db_args(url: str, collection: str) -> list[str]:
    return ["--database-url", url, "--collection", collection]


def start_index(docs: Path, url: str, collection: str, log: Path, pause_at: str | None = None) -> subprocess.Popen:
    env = child_env(**({"ASSISTANT_TEST_PAUSE_AT": pause_at} if pause_at else {}))
    with open(log, "wb") as err:
        return subprocess.Popen(cli("index", "--docs", str(docs), *db_args(url, collection), "--json"),
                                cwd=docs.parent, env=env, stdout=subprocess.PIPE, stderr=err)


def assert_one_line_failure(done: subprocess.CompletedProcess, *needles: str) -> str:
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def assert_answers_base(assistant: Assistant) -> None:
    answer = assistant.ask(BASE_QUESTION)
    assert any(BASE_ANSWER in c.quote for c in answer.citations), answer


@pytest.mark.parametrize("stage", ["locked", "embedding", "writing", "switched"])
def test_sigkill_during_a_sync_leaves_a_whole_state_and_the_next_run_completes(stage, pg, embedder, tmp_path):
    docs, collection = indexed_base(tmp_path, pg, embedder)
    before = {p.name for p in docs.iterdir()}
    new = {p.name for p in write_synthetic_docs(docs, n_docs=5, sentences=10, seed=hash(stage) % 997)}
    proc = start_index(docs, pg.url, collection, tmp_path / "log", pause_at=stage)
    wait_for_pause(proc, tmp_path / "log", stage)
    kill(proc)
    reader = pg_assistant(docs, pg.url, embedder, collection)
    indexed = {d.id for d in reader.index.documents()}
    assert indexed == (before | new if stage == "switched" else before)
    assert_answers_base(reader)
    done = run_cli("index", "--docs", str(docs), *db_args(pg.url, collection), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {d.id for d in reader.index.documents()} == before | new
    if stage != "switched":
        assert set(report["added"]) == new
    if stage in ("writing", "switched"):
        assert report["embedded_sentences"] == 0  # every vector was committed to the cache before the kill
    assert_answers_base(reader)


def test_a_second_indexer_is_refused_and_questions_answer_meanwhile(pg, embedder, tmp_path):
    docs, collection = indexed_base(tmp_path, pg, embedder)
    write_synthetic_docs(docs, n_docs=2, sentences=6, seed=7)
    proc = start_index(docs, pg.url, collection, tmp_path / "log", pause_at="writing")  # rows written, not committed
    try:
        wait_for_pause(proc, tmp_path / "log", "writing")
        second = run_cli("index", "--docs", str(docs), *db_args(pg.url, collection), cwd=tmp_path)
        assert_one_line_failure(second, "another index build is running")
        asked = run_cli("ask", BASE_QUESTION, "--docs", str(docs), *db_args(pg.url, collection), "--json", cwd=tmp_path)
        assert asked.returncode == 0, asked.stderr
        assert BASE_ANSWER in json.dumps(json.loads(asked.stdout)["citations"], ensure_ascii=False)
    finally:
        kill(proc)


def test_app_threads_keep_answering_while_another_process_syncs(pg, embedder, tmp_path):
    docs, collection = indexed_base(tmp_path, pg, embedder)
    serving = pg_assistant(docs, pg.url, embedder, collection)
    assert_answers_base(serving)
    write_synthetic_docs(docs, n_docs=3, sentences=8, seed=11)
    proc = start_index(docs, pg.url, collection, tmp_path / "log")
    failures: list[BaseException] = []
    answers = []

    def ask_until_done() -> None:
        while proc.poll() is None or len(answers) < 4:
            try:
                answer = serving.ask(BASE_QUESTION)
                assert any(BASE_ANSWER in c.quote for c in answer.citations)
                for c in answer.citations:  # each quote is the text of the state it was retrieved from
                    assert c.quote and c.start < c.end
                answers.append(answer)
            except BaseException as err:  # noqa: BLE001  (reported below)
                failures.append(err)
                return

    threads = [threading.Thread(target=ask_until_done) for _ in range(3)]
    for t in threads:
        t.start()
    assert proc.wait(timeout=CHILD_TIMEOUT) == 0
    for t in threads:
        t.join(timeout=CHILD_TIMEOUT)
    assert not failures, failures[0]
    assert len(serving.index.documents()) == 5 + 3


def test_a_server_restart_mid_session_is_one_line_and_questions_work_again(pg, embedder, tmp_path):
    docs, collection = indexed_base(tmp_path, pg, embedder)
    serving = pg_assistant(docs, pg.url, embedder, collection)
    assert_answers_base(serving)
    pg_server.stop(pg.folder, mode="immediate")
    try:
        with pytest.raises(StoreUnavailable, match="127.0.0.1"):
            serving.ask(BASE_QUESTION)
        down = run_cli("ask", BASE_QUESTION, "--docs", str(docs), *db_args(pg.url, collection), cwd=tmp_path)
        err = assert_one_line_failure(down, "cannot connect")
        assert pg_server.PASSWORD not in err
    finally:
        pg_server.start(pg.folder, port=pg.port)
    assert_answers_base(serving)  # the same process, without a restart


def test_wrong_password_no_server_and_a_bad_url_are_one_line(pg, tmp_path):
    docs = copy_base_docs(tmp_path / "documents")
    wrong = run_cli("ask", BASE_QUESTION, "--docs", str(docs), "--database-url", pg.url_with(password="not-the-password"), cwd=tmp_path)
    err = assert_one_line_failure(wrong, "password authentication failed")
    assert "not-the-password" not in err
    nobody = f"postgresql://postgres:x@127.0.0.1:{pg_server.free_port()}/postgres"
    assert_one_line_failure(run_cli("index", "--docs", str(docs), "--database-url", nobody, cwd=tmp_path), "cannot connect")
    assert_one_line_failure(run_cli("index", "--docs", str(docs), "--database-url", "postgresql://[::bad", cwd=tmp_path))


def test_a_server_without_pgvector_is_one_line(tmp_path):
    root = pg_server.usable_folder(None)
    try:
        server = pg_server.start(pg_server.usable_folder(root / "server"), postgres_bin=postgres_without_pgvector(root))
        docs = copy_base_docs(tmp_path / "documents")
        try:
            done = run_cli("index", "--docs", str(docs), "--database-url", server.url, cwd=tmp_path)
            assert_one_line_failure(done, "pgvector")
        finally:
            pg_server.stop(server.folder, mode="immediate")
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_eval_works_in_a_temporary_collection_it_drops(pg, tmp_path):
    import psycopg

    paragraphs, questions = tmp_path / "p.jsonl", tmp_path / "q.jsonl"
    paragraphs.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in [
        {"id": "glocke", "context": "Die Glocke von Goslar wurde 1880 gegossen. Sie läutet jeden Mittag."},
        {"id": "turm", "context": "Der Leuchtturm von Emden ist dreißig Meter hoch. Er wurde rot gestrichen."},
    ]), encoding="utf-8")
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"paragraph_id": "glocke", "question_de": "Wann wurde die Glocke gegossen?", "question_en": "When was the bell cast?"},
        {"paragraph_id": "turm", "question_de": "Wie hoch ist der Leuchtturm?", "question_en": "How tall is the lighthouse?"},
    ]), encoding="utf-8")
    done = run_cli("eval", "retrieval", "--paragraphs", str(paragraphs), "--questions", str(questions),
                   "--database-url", pg.url, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["de"]["recall@1"] == 1.0 and result["en"]["n"] == 2 and result["en"]["recall@5"] == 1.0
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT count(*) FROM qc_collections WHERE name LIKE 'eval-%'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM qc_documents WHERE collection LIKE 'eval-%'").fetchone()[0] == 0
