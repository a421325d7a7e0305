"""The real app (`python app.py`) in a subprocess, driven by headless Chromium through Playwright.

Uses the Debian `chromium` package at /usr/bin/chromium (the Makefile installs it when missing); Playwright
never downloads a browser. Documents and index live in a temporary copy, so the repository is untouched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bench.browser import Server, start_app, stop_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
XSS_NAME = "<img src=x onerror=alert(1)>.txt"
XSS_TEXT = (
    "Hinweis <script>window.__qcXss = 'script'</script>\n\n"
    "Der Zauberer Xylophonius wohnt seit 1871 im Turm <img src=x onerror=\"window.__qcXss='img'\"> von Quellstadt.\n"
)
NEW_FACT = "Die Partnerstadt Quellhausen schenkte Wolfsburg im Jahr 2031 einen grünen Leuchtturm aus Glas."
NEW_QUESTION = "Was schenkte Quellhausen der Stadt Wolfsburg?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("ui")
    docs = base / "documents"
    shutil.copytree(ROOT / "documents", docs)
    (docs / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    srv = start_app(docs, base / "index", base / "app.log")
    try:
        yield srv
    finally:
        stop_app(srv.proc)


@pytest.fixture(scope="module")
def page(browser, server: Server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")  # a German browser
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.accept()))  # type: ignore[attr-defined]
    pg.goto(server.url)
    pg.wait_for_selector("#qc-question textarea")
    pg.wait_for_function("() => document.querySelector('#qc-status').innerText.includes('Abschnitte')")
    yield pg
    context.close()


FINAL = "#qc-chat .qc-answer:not(.qc-thinking):not(.qc-streaming)"


def ask(pg, question: str, timeout: float = 30_000) -> str:
    """Type a question, press Enter, wait for its answer; returns the answer's text."""
    pg.get_by_role("tab", name="Chat").click()
    before = pg.locator(FINAL).count()
    box = pg.locator("#qc-question textarea")
    box.fill(question)
    box.press("Enter")
    pg.wait_for_function(f"n => document.querySelectorAll({FINAL!r}).length > n", arg=before, timeout=timeout)
    return pg.locator(FINAL).last.inner_text()


def test_german_question_answered_with_highlighted_source(page) -> None:
    answer = ask(page, "Seit wann kooperieren Niedersachsen und Tjumen?")
    assert "1992" in answer and "[1]" in answer
    page.wait_for_selector("#qc-src-0-1")
    source = page.locator("#qc-src-0-1")
    assert "000_2f8e9fa625a060b8.txt" in source.locator(".qc-source-head").get_attribute("title")  # file: in the tooltip
    assert "1992 formuliert" in source.locator("mark.qc-quote").inner_text()
    page.wait_for_function(  # the highlighted quote is scrolled into view inside its card
        """() => { const m = document.querySelector('#qc-src-0-1 mark.qc-quote');
                   const box = document.querySelector('#qc-src-0-1 .qc-passage');
                   const a = m.getBoundingClientRect(), b = box.getBoundingClientRect();
                   return a.top >= b.top - 1 && a.top < b.bottom; }"""
    )


def test_english_question_answered_with_highlighted_source(page) -> None:
    answer = ask(page, "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?")
    assert "CeBIT" in answer and "[1]" in answer
    page.wait_for_selector("#qc-src-1-1")
    assert "CeBIT" in page.locator("#qc-src-1-1 mark.qc-quote").inner_text()
    assert "001_e4a0f92c9fe6ef99.txt" in page.locator("#qc-src-1-1 .qc-source-head").get_attribute("title")


def test_follow_up_uses_the_conversation(page) -> None:
    ask(page, "Wer leitet die Delegation aus Omsk?")
    answer = ask(page, "Und welche Funktion hat sie?")
    assert "Direktorin" in answer


def test_markers_lead_to_sources_and_the_whole_document(page) -> None:
    first_marker = page.locator("#qc-chat a.qc-cite").first
    assert "Die Grundlagen der Kooperation" in (first_marker.get_attribute("title") or "")  # hover text: source and quote
    first_marker.click()  # a marker of an earlier answer brings that answer's sources back
    page.wait_for_selector("#qc-src-0-1")
    assert "Antwort 1" in page.locator("#qc-sources").inner_text()
    page.wait_for_selector("#qc-src-0-1.qc-flash")  # the card it led to lights up
    time.sleep(1.0)  # let the smooth scroll to the card settle, or it moves the marker away from the mouse
    for _ in range(3):  # hovering a marker outlines its source card
        page.mouse.move(5, 5)
        first_marker.hover()
        try:
            page.wait_for_selector("#qc-src-0-1.qc-hover", timeout=3_000)
            break
        except Exception:
            continue
    page.wait_for_selector("#qc-src-0-1.qc-hover", timeout=1_000)
    page.mouse.move(5, 5)
    page.wait_for_selector("#qc-src-0-1:not(.qc-hover)")
    page.locator("#qc-src-0-1 a.qc-open").click()
    mark = page.locator("#qc-src-0-1 .qc-viewer mark.qc-doc-mark")  # the viewer opens under its own card
    mark.wait_for()
    assert mark.inner_text().startswith("Die Grundlagen der Kooperation wurden bereits 1992")
    assert "Niedersachen und Tjumen entwickeln" in page.locator("#qc-sources .qc-viewer .qc-doc-text").inner_text()  # the whole text
    page.wait_for_function(
        """() => { const m = document.querySelector('#qc-sources .qc-viewer mark.qc-doc-mark');
                   const box = document.querySelector('#qc-sources .qc-viewer .qc-doc-text');
                   const a = m.getBoundingClientRect(), b = box.getBoundingClientRect();
                   return a.top >= b.top - 1 && a.top < b.bottom; }"""
    )


OFF_TOPIC = [
    "Welche Farbe hat ein Zebra?",
    "What is the capital of France?",
    "Wie funktioniert die Photosynthese bei Pflanzen?",
    "Wer hat die Relativitätstheorie entwickelt?",
    "Wie hoch ist der Mount Everest?",
]


def test_abstention_is_plain_and_without_sources(page, server: Server) -> None:
    from gradio_client import Client

    # What the UI must render is the pipeline's abstention; which off-topic question triggers it is the
    # pipeline's business, so pick one the API abstains on.
    client = Client(server.url, verbose=False)
    question = next((q for q in OFF_TOPIC if client.predict(q, api_name="/ask")["abstained"]), None)
    assert question is not None, f"the pipeline abstains on none of {OFF_TOPIC}"
    page.locator("#qc-new").click()  # a new chat: no earlier question is read together with this one
    page.wait_for_function("() => document.querySelectorAll('#qc-chat .qc-answer').length === 0")
    answer = ask(page, question)
    assert answer.strip() in ("Dazu steht nichts in den Dokumenten.", "The documents don't say.")
    sources = page.locator("#qc-sources")
    page.wait_for_function("() => /Keine Quellen|No sources/.test(document.querySelector('#qc-sources').innerText)")
    assert sources.locator(".qc-source").count() == 0
    assert page.locator(FINAL).last.locator("a.qc-cite").count() == 0


def test_refused_question_gets_a_message(page) -> None:
    answer = ask(page, "?!?")
    assert "Frage" in answer or "question" in answer


def test_document_text_and_names_are_escaped(page) -> None:
    answer = ask(page, "Wo wohnt der Zauberer Xylophonius?")
    assert "<img src=x" in answer  # shown as text, not as an element
    source_text = page.locator("#qc-sources").inner_text()
    assert "<img src=x onerror=" in source_text
    # the card shows the document's title (its first line, itself hostile); the file name is in the tooltip
    assert XSS_NAME in page.locator("#qc-sources .qc-source-head").first.get_attribute("title")
    page.locator("#qc-sources a.qc-open").first.click()
    page.wait_for_function("() => document.querySelector('#qc-sources .qc-viewer')?.innerText.includes('<script>')")
    page.get_by_role("tab", name="Dokumente").click()
    page.wait_for_function(f"() => document.querySelector('#qc-docs').innerText.includes({XSS_NAME!r})")
    time.sleep(0.5)
    assert page.evaluate("window.__qcXss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("#qc-chat script, #qc-sources script, #qc-doc-viewer script, #qc-docs script").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_upload_refuses_unsupported_types(page) -> None:
    page.get_by_role("tab", name="Dokumente").click()
    page.set_input_files(
        "#qc-upload input[type=file]",
        files=[{"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}],
    )
    page.wait_for_function("() => document.querySelector('#qc-upload-result').innerText.includes('tool.exe')")
    assert "Dateityp .exe wird nicht unterstützt" in page.locator("#qc-upload-result").inner_text()  # in German


def test_upload_is_indexed_right_away_and_answerable(page, server: Server) -> None:
    assert "Quellhausen" not in ask(page, NEW_QUESTION)  # not known before the upload
    page.get_by_role("tab", name="Dokumente").click()
    filler = " ".join(
        f"Im Jahr {1900 + i} besprach der Ausschuss Nummer {i} die Pflege des Stadtparks und der Brunnen im Bezirk {i % 17}."
        for i in range(260)
    )
    page.set_input_files(
        "#qc-upload input[type=file]",
        files=[
            {"name": "wolfsburg-quellhausen.txt", "mimeType": "text/plain", "buffer": f"{NEW_FACT}\n\n{filler}\n".encode()},
        ],
    )
    # no button to press: the upload is indexed at once, with the progress bars in the upload's result
    page.wait_for_selector("#qc-upload-result .qc-bar", timeout=20_000)
    assert "wolfsburg-quellhausen.txt: hinzugefügt · wird indexiert" in page.locator("#qc-upload-result").inner_text()
    assert (server.docs / "wolfsburg-quellhausen.txt").is_file()
    during = ask(page, "Wie viele Kilometer liegen zwischen Haldensleben und Omsk?")  # the chat answers meanwhile
    assert "[1]" in during and "internal error" not in during
    page.get_by_role("tab", name="Dokumente").click()
    page.wait_for_function(
        "() => document.querySelector('#qc-upload-result').innerText.includes('jetzt durchsuchbar')", timeout=120_000
    )
    result = page.locator("#qc-upload-result").inner_text()
    assert "indexiert:" in result and "Abschnitte" in result
    assert "aktualisieren" not in result and "Rebuild" not in result  # never asks for a rebuild
    assert "wolfsburg-quellhausen.txt" in page.locator("#qc-docs").inner_text()
    assert "noch nicht indexiert" not in page.locator("#qc-docs").inner_text()
    assert "7 Dokumente" in page.locator("#qc-status").inner_text()  # 5 bundled + the XSS one + the new one

    answer = ask(page, NEW_QUESTION)
    assert "Leuchtturm" in answer
    card = page.locator("#qc-sources .qc-source").first
    card.wait_for()
    assert "wolfsburg-quellhausen.txt" in card.locator(".qc-source-head").get_attribute("title")
    assert "Leuchtturm" in card.locator("mark.qc-quote").inner_text()


def test_delete_removes_the_document_right_away(page, server: Server) -> None:
    page.get_by_role("tab", name="Dokumente").click()
    page.locator("#qc-doc-choice input").click()
    page.get_by_role("option", name="wolfsburg-quellhausen.txt").click()
    page.locator("#qc-delete").click()  # confirm() is accepted by the dialog handler
    page.wait_for_function(
        "() => document.querySelector('#qc-delete-result').innerText.includes('aus dem Index entfernt')", timeout=120_000
    )
    assert "wolfsburg-quellhausen.txt gelöscht" in page.locator("#qc-delete-result").inner_text()
    assert not (server.docs / "wolfsburg-quellhausen.txt").exists()
    assert "wolfsburg-quellhausen.txt" not in page.locator("#qc-docs").inner_text()
    page.dialogs.clear()  # type: ignore[attr-defined]
    assert "Leuchtturm" not in ask(page, NEW_QUESTION)


def test_documents_list_shows_titles_before_file_names(page) -> None:
    page.get_by_role("tab", name="Dokumente").click()
    row = page.locator("#qc-docs tr", has_text="000_2f8e9fa625a060b8.txt")
    cell = row.locator("td").first.inner_text()
    title = "Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter"
    assert cell.index(title) < cell.index("000_2f8e9fa625a060b8.txt")
    assert row.locator(".qc-doc-title").inner_text() == title


PDF_PAGES = [
    "Niederschrift der Sitzung des Partnerschaftsausschusses. Erster Punkt: Begrüßung der Gäste aus Gödöllő.",
    "Zweiter Punkt: Der Ausschuss beschloss, der Partnerstadt Tarnowitz eine Orgel aus Zinn zu schenken.",
    "Dritter Punkt: Verschiedenes. Die nächste Sitzung findet im Herbst statt.",
]


def test_pdf_upload_shows_title_pages_and_page_markers(page, server: Server, tmp_path: Path) -> None:
    from builders import text_pdf

    pdf = text_pdf(tmp_path / "ausschuss-2031.pdf", PDF_PAGES, title="Niederschrift Partnerschaftsausschuss 2031")
    page.get_by_role("tab", name="Dokumente").click()
    page.set_input_files("#qc-upload input[type=file]", files=[str(pdf)])
    page.wait_for_function(
        "() => document.querySelector('#qc-upload-result').innerText.includes('jetzt durchsuchbar')", timeout=120_000
    )
    row = page.locator("#qc-docs tr", has_text="ausschuss-2031.pdf")
    assert row.locator(".qc-doc-title").inner_text() == "Niederschrift Partnerschaftsausschuss 2031"

    # the documents tab's viewer: title first, file name second, a marker where each page begins
    page.locator("#qc-doc-choice input").click()
    page.get_by_role("option", name="Niederschrift Partnerschaftsausschuss 2031 · ausschuss-2031.pdf").click()
    page.locator("#qc-show").click()
    viewer = page.locator("#qc-doc-viewer .qc-viewer")
    viewer.wait_for()
    head = viewer.locator(".qc-viewer-head").inner_text()
    assert head.index("Niederschrift Partnerschaftsausschuss 2031") < head.index("ausschuss-2031.pdf") and "3 Seiten" in head
    markers = viewer.locator(".qc-page-break")
    assert markers.all_inner_texts() == ["— S. 1 —", "— S. 2 —", "— S. 3 —"]
    text = viewer.locator(".qc-doc-text").inner_text()
    assert text.index("— S. 2 —") < text.index("Zweiter Punkt") < text.index("— S. 3 —")
    assert markers.nth(1).is_visible()

    # a citation from page 2: the card names the page; its viewer marks the quote on page 2, highlight whole
    answer = ask(page, "Was schenkt der Ausschuss der Partnerstadt Tarnowitz?")
    assert "Orgel" in answer
    card = page.locator("#qc-sources .qc-source", has_text="Orgel").first
    assert "S. 2" in card.locator(".qc-source-head").inner_text()
    assert "Niederschrift Partnerschaftsausschuss 2031" in card.locator(".qc-source-head").inner_text()
    quote = card.locator("mark.qc-quote").inner_text()
    card.locator("a.qc-open").click()
    mark = card.locator(".qc-viewer mark.qc-doc-mark")
    mark.first.wait_for()
    assert "".join(mark.all_inner_texts()) == quote
    page_of_mark = page.evaluate(
        """() => { const m = document.querySelector('#qc-sources .qc-viewer mark.qc-doc-mark');
                   let last = null;
                   for (const b of document.querySelectorAll('#qc-sources .qc-viewer .qc-page-break'))
                     if (b.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING) last = b.dataset.page;
                   return last; }"""
    )
    assert page_of_mark == "2"


def test_files_copied_in_then_a_full_rebuild_reports_ocr_and_warnings(page, server: Server) -> None:
    import re

    from assistant.documents import ocr
    from builders import scanned_pdf

    if not ocr.available():
        pytest.skip(ocr.NEEDS_OCR)
    scanned_pdf(server.docs / "brief-scan.pdf", [["Stadt Musterhausen", "", "Der Gemeinderat dankt der Partnerstadt",
                                                 "für den Besuch im Rathaus am 3. Oktober."]])
    broken = "Die Städte\ufffdpartnerschaft wurde verl\ufffdngert. " * 4 + "Der Rat tagte im M\ufffdrz in der Aula."
    (server.docs / "kaputt-kodiert.txt").write_text(broken, encoding="utf-8")
    page.reload()  # the app runs without a folder watcher here: the files wait for the button
    page.wait_for_selector("#qc-question textarea")
    page.get_by_role("tab", name="Dokumente").click()
    page.wait_for_function("() => document.querySelector('#qc-docs').innerText.includes('brief-scan.pdf')")
    assert "neu, noch nicht indexiert" in page.locator("#qc-docs").inner_text()
    assert "„Index neu aufbauen“ drücken" in page.locator("#qc-docs").inner_text()
    assert "jede Datei neu" in page.locator("#qc-rebuild-note").inner_text()
    # after a reload the report panel still shows the last update of this app (the PDF upload before)
    panel = page.locator("#qc-progress").inner_text()
    assert "Letzte Indexierung" in panel and "Hochladen" in panel and "ausschuss-2031.pdf" in panel
    page.locator("#qc-rebuild").click()
    page.wait_for_function(
        "() => document.querySelector('#qc-progress').innerText.includes('Index vollständig neu aufgebaut')", timeout=240_000
    )
    panel = page.locator("#qc-progress").inner_text()
    assert "Neuaufbau" in panel and "Embedding-Cache" in panel
    on_disk = len([p for p in server.docs.rglob("*") if p.is_file()])
    files, chunks, embedded = map(int, re.search(r"(\d+) Datei\(en\) neu gelesen und zerlegt, (\d+) Abschnitte, (\d+) neu", panel).groups())
    assert files == on_disk  # every file re-read, not only the two new ones
    reread = re.search(r"neu gelesen \((\d+)\): (.*)", panel)
    assert int(reread.group(1)) == on_disk - 2 and "000_2f8e9fa625a060b8.txt" in reread.group(2)  # an unchanged one too
    assert embedded < chunks / 2  # the unchanged files' text came from the embedding cache
    report = page.locator("#qc-progress .qc-health").inner_text()
    assert f"Gelesen: {on_disk} Datei(en)" in report
    assert "brief-scan.pdf (1 S." in report and "OCR: S. 1" in report
    assert "kaputt-kodiert.txt" in report and "replacement characters" in report
    assert "kein Index" not in page.locator("#qc-status").inner_text()


@pytest.fixture
def watched_server(tmp_path: Path, server: Server) -> Iterator[Server]:
    """The app as `make run` starts it, with the folder watcher, over a fresh copy of the documents."""
    docs = tmp_path / "documents"
    shutil.copytree(ROOT / "documents", docs)
    shutil.copytree(server.index / "cache", tmp_path / "index" / "cache")  # embeddings already computed
    srv = start_app(docs, tmp_path / "index", tmp_path / "app.log", {"ASSISTANT_WATCH": "1"})
    try:
        yield srv
    finally:
        stop_app(srv.proc)


def test_upload_with_the_folder_watcher_running_is_indexed_once(watched_server: Server, browser) -> None:
    """As `make run` starts it: the watcher sees the upload land too; the upload's own update and the watcher's share
    the index lock, and the user sees one clear outcome. A file then copied into the folder is indexed by the watcher,
    and its whole report (warnings, skipped files) shows in the report panel, not only in the status line."""
    srv = watched_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    pg.goto(srv.url)
    pg.wait_for_selector("#qc-question textarea")
    pg.get_by_role("tab", name="Documents").click()
    assert "folder watcher indexes" in pg.locator("#qc-rebuild-note").inner_text()
    pg.set_input_files("#qc-upload input[type=file]", files=[
        {"name": "quellhausen.txt", "mimeType": "text/plain", "buffer": f"{NEW_FACT}\n".encode()}])
    pg.wait_for_function(
        "() => /searchable now|not indexed/.test(document.querySelector('#qc-upload-result').innerText)", timeout=120_000)
    assert "quellhausen.txt: added · indexed: 1 chunks – searchable now" in pg.locator("#qc-upload-result").inner_text()
    pg.wait_for_function("() => document.querySelector('#qc-status').innerText.includes('6 documents')", timeout=20_000)
    assert "· upload" in pg.locator("#qc-progress .qc-last-run").inner_text()
    from gradio_client import Client

    cited = Client(srv.url, verbose=False).predict(NEW_QUESTION, api_name="/ask")["citations"]
    assert cited and cited[0]["document"] == "quellhausen.txt"

    staging = srv.docs / ".staging"  # hidden while written, then renamed in: one update for both
    staging.mkdir()
    (staging / "kaputt.txt").write_text("Die St\ufffddtepartnerschaft wurde verl\ufffdngert. " * 3, encoding="utf-8")
    (staging / "leer.pdf").write_bytes(b"%PDF-1.4 kaputt")
    staging.rename(srv.docs / "post")
    pg.wait_for_function("() => document.querySelector('#qc-progress').innerText.includes('folder watcher')", timeout=30_000)
    panel = pg.locator("#qc-progress").inner_text()
    assert "Index updated" in panel and "added (1): post/kaputt.txt" in panel
    assert "post/leer.pdf:" in panel  # skipped, with its reason
    assert "post/kaputt.txt" in pg.locator("#qc-progress .qc-health").inner_text() and "replacement characters" in panel
    assert "⚠ 1 warning(s) (post/kaputt.txt)" in pg.locator("#qc-status").inner_text()  # the summary stays too
    context.close()


def test_api_ask_matches_the_cli_json(server: Server) -> None:
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    result = client.predict("Seit wann kooperieren Niedersachsen und Tjumen?", api_name="/ask")
    assert {"question", "language", "answer", "abstained", "citations"} <= set(result)
    assert result["language"] == "de" and not result["abstained"]
    assert result["citations"][0]["document"] == "000_2f8e9fa625a060b8.txt"
    assert "1992" in result["citations"][0]["quote"]
    cli = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--docs", str(server.docs), "--index", str(server.index),
         "Seit wann kooperieren Niedersachsen und Tjumen?"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
    )
    import json

    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == result
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]


def test_no_endpoint_serves_files(server: Server) -> None:
    for path in ["/etc/passwd", str(server.docs / "000_2f8e9fa625a060b8.txt"), "documents/000_2f8e9fa625a060b8.txt", "pyproject.toml"]:
        for prefix in ("gradio_api/file=", "file="):
            try:
                with urllib.request.urlopen(server.url + prefix + path, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as err:
                status = err.code
            assert status in (403, 404), (prefix, path, status)


def test_password_login_and_upload_limit(tmp_path: Path, server: Server, browser) -> None:
    from gradio_client import Client

    docs = tmp_path / "documents"
    shutil.copytree(ROOT / "documents", docs)
    shutil.copytree(server.index / "cache", tmp_path / "index" / "cache")  # embeddings already computed
    srv = start_app(
        docs, tmp_path / "index", tmp_path / "app.log", {"ASSISTANT_PASSWORD": "geheim-123", "ASSISTANT_MAX_UPLOAD_MB": "1"}
    )
    try:
        with pytest.raises(Exception):
            Client(srv.url, verbose=False).predict("Seit wann kooperieren Niedersachsen und Tjumen?", api_name="/ask")
        client = Client(srv.url, auth=("assistant", "geheim-123"), verbose=False)
        assert "1992" in client.predict("Seit wann kooperieren Niedersachsen und Tjumen?", api_name="/ask")["answer"]

        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.goto(srv.url)
        pg.fill("input[type=text]", "assistant")
        pg.fill("input[type=password]", "falsch")
        pg.keyboard.press("Enter")
        pg.wait_for_selector("text=Incorrect Credentials", timeout=10_000)
        assert pg.locator("#qc-question").count() == 0
        pg.fill("input[type=text]", "assistant")
        pg.fill("input[type=password]", "geheim-123")
        pg.get_by_role("button", name="Login").click()
        pg.wait_for_selector("#qc-question textarea")
        pg.get_by_role("tab", name="Documents").click()  # an English browser
        pg.wait_for_function("() => document.querySelector('#qc-upload').innerText.includes('max. 1 MB')")
        pg.set_input_files(
            "#qc-upload input[type=file]",
            files=[{"name": "gross.txt", "mimeType": "text/plain", "buffer": b"Wort " * 300_000}],  # 1.5 MB
        )
        pg.wait_for_selector("text=exceed the maximum allowed size", timeout=10_000)
        assert not (docs / "gross.txt").exists()
        context.close()
    finally:
        stop_app(srv.proc)
