"""The UI's report panel shows the newest finished index update whoever ran it: `assistant index` in another process
(a real child with the real model) is read back from the store, folder or PostgreSQL; a newer update of the UI's
own process wins; an index that keeps no report (older version) or an unreadable one leaves the panel as before."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.pipeline import Assistant
from assistant.records import IndexReport, IndexRun
from assistant.store import open_store
from assistant.ui.documents import Documents
from conftest import FakeEmbedder
from pg_support import new_collection, pg  # noqa: F401  (fixture used by name)
from test_reliability_support import REPO, run_cli

pytestmark = pytest.mark.model  # the child indexes with the real packaged model

BROKEN = "Der Bericht wurde 2021 gedruckt. Die Umlaute fehlen: Gr\ufffd\ufffde aus M\ufffdnchen und K\ufffdln.\n"


def write_docs(docs: Path) -> Path:
    docs.mkdir()
    (docs / "celle.txt").write_text("Celle und Tjumen sind seit 1991 Partnerstädte. Die Stadt liegt an der Aller.\n",
                                    encoding="utf-8")
    (docs / "kaputt.txt").write_text(BROKEN, encoding="utf-8")
    return docs


def panel_of(docs: Path, store) -> Documents:
    """The documents tab of a UI over the same index; the report panel reads only the store, never the model's vectors."""
    return Documents(Assistant(docs, docs.parent / "index", FakeEmbedder(), store=store), docs, max_bytes=10**6)


def index_elsewhere(docs: Path, *where: str) -> None:
    result = run_cli("index", "--docs", str(docs), *where, cwd=REPO)
    assert result.returncode == 0, result.stderr.decode()


def assert_shows_other_process_run(ui: Documents) -> None:
    german = ui.report_panel("de")
    assert 'data-source="other"' in german and "anderer Prozess" in german
    assert "hinzugefügt (2): celle.txt, kaputt.txt" in german
    assert "Gelesen: 2 Datei(en)" in german and "<b>kaputt.txt</b>" in german and "⚠ 4 replacement characters" in german
    assert "another process" in ui.report_panel("en")


def own_upload(at: float) -> IndexRun:
    return IndexRun(at, "upload", IndexReport(("neu.txt",), (), (), 2, 3, 1, 0.2, ()))


def test_folder_index_run_by_the_cli_is_shown_and_a_newer_own_run_wins(tmp_path: Path) -> None:
    docs, index = write_docs(tmp_path / "docs"), tmp_path / "index"
    ui = panel_of(docs, open_store(index))
    assert ui.report_panel("de") == ""
    ui.runs.record(own_upload(time.time() - 60))  # this UI updated the index a minute before the CLI did
    index_elsewhere(docs, "--index", str(index))
    assert_shows_other_process_run(ui)
    ui.runs.record(own_upload(time.time()))  # then this UI again: its own, newer run is shown
    panel = ui.report_panel("de")
    assert 'data-source="upload"' in panel and "hinzugefügt (1): neu.txt" in panel and "kaputt.txt" not in panel
    (docs / "celle.txt").write_text("Celle und Tjumen sind seit 1992 Partnerstädte.\n", encoding="utf-8")
    index_elsewhere(docs, "--index", str(index))  # the CLI once more, later still
    panel = ui.report_panel("en")
    assert 'data-source="other"' in panel and "changed (1): celle.txt" in panel and "unchanged: 1" in panel


def test_folder_index_without_a_readable_report_shows_this_process_run_as_before(tmp_path: Path) -> None:
    docs, index = write_docs(tmp_path / "docs"), tmp_path / "index"
    index_elsewhere(docs, "--index", str(index))
    kept = index / (index / "CURRENT").read_text(encoding="utf-8").strip() / "report.json"
    older = own_upload(time.time() - 3600)  # before the CLI's run: shown only while that one is unknown
    ui = panel_of(docs, open_store(index))
    ui.runs.record(older)
    assert "anderer Prozess" in ui.report_panel("de")
    kept.write_text('{"at": "gestern", "rep', encoding="utf-8")  # damaged
    damaged = panel_of(docs, open_store(index))
    assert damaged.report_panel("de") == ""
    damaged.runs.record(older)
    assert 'data-source="upload"' in damaged.report_panel("de")
    kept.unlink()  # as in an index written by an older version
    assert open_store(index).last_report() is None and panel_of(docs, open_store(index)).report_panel("de") == ""


def test_postgres_sync_run_by_the_cli_is_shown_and_a_newer_own_run_wins(tmp_path: Path, pg) -> None:
    docs, collection = write_docs(tmp_path / "docs"), new_collection()
    store = open_store(database_url=pg.url, collection=collection)
    ui = panel_of(docs, store)
    assert ui.report_panel("de") == ""
    where = ("--database-url", pg.url, "--collection", collection)
    index_elsewhere(docs, *where)
    assert_shows_other_process_run(ui)
    ui.runs.record(own_upload(time.time()))
    assert 'data-source="upload"' in ui.report_panel("de")
    (docs / "celle.txt").unlink()
    index_elsewhere(docs, *where)
    panel = ui.report_panel("en")
    assert 'data-source="other"' in panel and "removed (1): celle.txt" in panel


def test_postgres_without_a_live_report_shows_this_process_run_as_before(tmp_path: Path, pg) -> None:
    import psycopg

    docs, collection = write_docs(tmp_path / "docs"), new_collection()
    store = open_store(database_url=pg.url, collection=collection)
    index_elsewhere(docs, "--database-url", pg.url, "--collection", collection)
    ui = panel_of(docs, store)
    ui.runs.record(own_upload(time.time() - 3600))
    assert "anderer Prozess" in ui.report_panel("de")
    with psycopg.connect(pg.url, autocommit=True) as conn:  # a sync by an older version: a new version, no report
        conn.execute("UPDATE qc_collections SET version = version + 1 WHERE name = %s", [collection])
    assert store.last_report() is None and 'data-source="upload"' in ui.report_panel("de")
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("UPDATE qc_reports SET run = '{\"at\": 1}', version = (SELECT version FROM qc_collections "
                     "WHERE name = %s) WHERE collection = %s", [collection, collection])  # live, but unreadable
    assert store.last_report() is None and panel_of(docs, store).report_panel("de") == ""
    store.drop()
    with psycopg.connect(pg.url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM qc_reports WHERE collection = %s", [collection]).fetchone()[0] == 0


def test_a_database_set_up_before_reports_were_kept_gets_their_table(pg) -> None:
    import psycopg

    from assistant.store.pg_connect import Connections

    Connections(pg.url).run(lambda conn: None)
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("DROP TABLE qc_reports")
    assert Connections(pg.url).run(lambda conn: conn.execute("SELECT to_regclass('qc_reports')").fetchone()[0]) == "qc_reports"
