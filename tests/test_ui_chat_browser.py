"""History, copy/export, interface language, phone width and the viewer, in real headless Chromium against the
real `python app.py` (Debian chromium via Playwright; documents and index in a temporary copy)."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest

from bench.browser import ROOT, Server, start_app, stop_app

pytestmark = pytest.mark.browser
FINAL = "#qc-chat .qc-answer:not(.qc-thinking):not(.qc-streaming)"
Q_DE = "Seit wann kooperieren Niedersachsen und Tjumen?"
Q_EN = "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?"


class App:
    """The app under test; `restart` stops it and starts it again over the same folders (a server restart)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.server: Server = self._start()

    def _start(self, port: int | None = None) -> Server:
        return start_app(self.base / "documents", self.base / "index", self.base / "app.log", port=port)

    @property
    def url(self) -> str:
        return self.server.url

    def restart(self) -> None:
        stop_app(self.server.proc)
        self.server = self._start(int(self.url.rstrip("/").rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    base = tmp_path_factory.mktemp("chat")
    shutil.copytree(ROOT / "documents", base / "documents")
    running = App(base)
    try:
        yield running
    finally:
        stop_app(running.server.proc)


def open_page(context, url: str):
    pg = context.new_page()
    pg.on("dialog", lambda d: d.accept())
    pg.goto(url)
    pg.wait_for_selector("#qc-question textarea")
    pg.wait_for_function("() => /Abschnitte|chunks/.test(document.querySelector('#qc-status')?.innerText)")
    return pg


def ask(pg, question: str) -> str:
    before = pg.locator(FINAL).count()
    box = pg.locator("#qc-question textarea")
    box.fill(question)
    box.press("Enter")
    pg.wait_for_function(f"n => document.querySelectorAll({FINAL!r}).length > n", arg=before, timeout=30_000)
    pg.wait_for_function("() => document.querySelector('#qc-md-store .qc-md')?.dataset.chat")  # stored
    return pg.locator(FINAL).last.inner_text()


def history_text(pg) -> str:
    """The list of earlier chats (the accordion is opened first when it is closed)."""
    if pg.locator("#qc-history-list").count() == 0:
        pg.locator("#qc-history .label-wrap").first.click()
    pg.wait_for_selector("#qc-history-list .qc-chats")
    return pg.locator("#qc-history-list").inner_text()


def answers(pg) -> list[str]:
    return pg.locator(FINAL).all_inner_texts()


def test_interface_follows_the_browser_language_and_switches(app: App, browser) -> None:
    for locale, lang, send, docs, sources in [("de-DE", "de", "Fragen", "Dokumente", "Stellen Sie eine Frage"),
                                              ("en-GB", "en", "Ask", "Documents", "Ask a question"),
                                              ("fr-FR", "en", "Ask", "Documents", "Ask a question")]:  # else English
        context = browser.new_context(locale=locale)
        pg = open_page(context, app.url)
        pg.wait_for_function(f"() => document.querySelector('#qc-send')?.innerText.trim() === {send!r}")
        assert pg.evaluate("document.documentElement.lang") == lang
        assert pg.get_by_role("tab", name=docs).count() == 1
        assert sources in pg.locator("#qc-sources").inner_text()
        labels = pg.locator("button, [role=tab], label, .qc-status, .qc-sources").all_inner_texts()
        assert not [x for x in labels if re.search(r"\w / \w", x)], "a doubled German / English label"
        context.close()
    context = browser.new_context(locale="en-US")
    pg = open_page(context, app.url)
    pg.wait_for_function("() => document.querySelector('#qc-send')?.innerText.trim() === 'Ask'")
    pg.locator("#qc-lang-switch").click()  # the switch names the other language
    pg.wait_for_function("() => document.querySelector('#qc-send')?.innerText.trim() === 'Fragen'")
    assert pg.evaluate("document.documentElement.lang") == "de"
    pg.reload()  # the choice is kept
    pg.wait_for_function("() => document.querySelector('#qc-send')?.innerText.trim() === 'Fragen'")
    assert pg.evaluate("document.documentElement.lang") == "de"
    answer = ask(pg, Q_EN)  # answers stay in the question's language
    assert "According to the documents" in answer or "CeBIT" in answer
    assert "Quellen zu Antwort 1" in pg.locator("#qc-sources").inner_text()
    context.close()


def test_chat_survives_reload_and_restart_and_stays_in_its_browser(app: App, browser) -> None:
    alice = browser.new_context(locale="de-DE")
    pg = open_page(alice, app.url)
    ask(pg, Q_DE)
    ask(pg, "Wer leitet die Delegation aus Omsk?")
    ask(pg, "Und welche Funktion hat sie?")
    before = answers(pg)
    assert len(before) == 3 and "1992" in before[0] and "Direktorin" in before[2]
    pg.reload()
    pg.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 3")
    assert answers(pg) == before
    assert Q_DE in history_text(pg)
    pg.wait_for_selector("#qc-src-2-1")  # the sources of the last answer are back too

    bob = browser.new_context(locale="de-DE")  # another browser: its own id, nothing of Alice's
    other = open_page(bob, app.url)
    time.sleep(1.0)
    assert other.locator(FINAL).count() == 0
    assert "Noch keine gespeicherten Chats" in history_text(other)
    bob.close()

    app.restart()
    pg = open_page(alice, app.url)
    pg.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 3")
    assert answers(pg) == before
    follow = ask(pg, "Und wann war das?")  # the restored chat is the conversation: follow-ups still refer back
    assert follow and len(answers(pg)) == 4

    pg.locator("#qc-new").click()  # a new chat; the old one stays in the list and reopens with a click
    pg.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 0")
    assert Q_DE in history_text(pg)
    pg.locator("#qc-history-list a.qc-chat-open", has_text=Q_DE).click()
    pg.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 4")
    pg.locator("#qc-history-list a.qc-chat-delete").first.click()  # the confirm() is accepted
    pg.wait_for_function(f"() => document.querySelectorAll({FINAL!r}).length === 0")
    pg.reload()
    pg.wait_for_selector("#qc-question textarea")
    time.sleep(1.0)
    assert pg.locator(FINAL).count() == 0 and Q_DE not in history_text(pg)
    alice.close()


def test_copy_and_export_give_markdown_with_sources(app: App, browser) -> None:
    context = browser.new_context(locale="de-DE", permissions=["clipboard-read", "clipboard-write"])
    pg = open_page(context, app.url)
    ask(pg, Q_DE)
    ask(pg, Q_EN)
    pg.locator(FINAL).first.locator("..").locator("a.qc-copy").or_(pg.locator("#qc-chat a.qc-copy").first).first.click()
    pg.wait_for_function("() => document.querySelector('#qc-chat a.qc-copy.qc-copied')")
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"### Frage: {Q_DE}")
    # each source by its title (the document's first line), then the quote
    assert "**Quellen:**" in copied and "- [1] Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter" in copied
    assert Q_EN not in copied
    with pg.expect_download() as info:
        pg.locator("#qc-export").click()
    download = info.value
    assert download.suggested_filename.startswith("quellenchat-") and download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith(f"# {Q_DE}")
    assert f"### Frage: {Q_DE}" in text and f"### Frage: {Q_EN}" in text
    assert "**Quellen:**" in text and "**Sources:**" in text and "CeBIT" in text and "1992" in text
    context.close()


def test_phone_width_has_no_sideways_scroll_and_sources_under_the_answer(app: App, browser) -> None:
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = open_page(context, app.url)
    ask(pg, Q_DE)
    pg.wait_for_selector("#qc-src-0-1")
    pg.get_by_role("tab", name="Dokumente").click()
    pg.wait_for_selector("#qc-docs table")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls inside itself
    pg.get_by_role("tab", name="Chat").click()
    pg.wait_for_selector("#qc-src-0-1")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    box = {sel: pg.locator(sel).bounding_box() for sel in ("#qc-chat", "#qc-sources", "#qc-question", "#qc-status", "#qc-examples")}
    assert box["#qc-sources"]["y"] >= box["#qc-chat"]["y"] + box["#qc-chat"]["height"] - 1  # under the answers …
    assert box["#qc-sources"]["y"] < box["#qc-question"]["y"] < box["#qc-examples"]["y"]  # … before anything else
    assert box["#qc-sources"]["y"] - (box["#qc-chat"]["y"] + box["#qc-chat"]["height"]) < 40
    assert box["#qc-question"]["width"] >= box["#qc-chat"]["width"] - 30  # the question box takes the whole width
    assert box["#qc-status"]["height"] <= 70  # two lines at most
    context.close()


def test_viewer_opens_at_its_source_closes_with_escape_and_goes_with_its_document(app: App, browser) -> None:
    context = browser.new_context(locale="de-DE")
    pg = open_page(context, app.url)
    pg.on("dialog", lambda d: d.accept())
    ask(pg, Q_DE)
    pg.locator("#qc-src-0-1 a.qc-open").click()
    viewer = pg.locator("#qc-src-0-1 .qc-viewer")  # inside its own card, not at the bottom of the page
    viewer.wait_for()
    card, chat = pg.locator("#qc-src-0-1").bounding_box(), pg.locator("#qc-chat").bounding_box()
    assert card["y"] < chat["y"] + chat["height"]
    pg.keyboard.press("Escape")
    pg.wait_for_selector("#qc-sources .qc-viewer", state="detached")
    pg.locator("#qc-src-0-1 a.qc-open").click()
    viewer.wait_for()
    pg.get_by_role("tab", name="Dokumente").click()
    pg.locator("#qc-doc-choice input").click()
    pg.get_by_role("option", name="000_2f8e9fa625a060b8.txt").click()
    pg.locator("#qc-delete").click()
    pg.wait_for_function("() => document.querySelector('#qc-delete-result')?.innerText.includes('gelöscht')")
    pg.get_by_role("tab", name="Chat").click()
    pg.wait_for_selector("#qc-sources .qc-viewer", state="detached")
    assert pg.locator("#qc-src-0-1").count() == 1  # the source itself stays until the index is rebuilt
    context.close()
