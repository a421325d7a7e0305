"""End to end with the real model: real files of every format in one folder, questions only one file answers
(German and English), and the citation names that file, its page (paged formats) and its title."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.pipeline import Assistant
from bench.ocr import GERMAN_PAGE

import builders

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("formats") / "documents"
    docs.mkdir()
    builders.text_pdf(docs / "bericht.pdf", [
        "Die Städtepartnerschaft zwischen Celle und Tjumen wurde im Jahr 1991 begründet und lebt vom Austausch der Schulen.",
        "Im Sommer 2023 reisten 14 Schülerinnen und Schüler aus Celle für zwei Wochen nach Tjumen.",
        "The partnership budget for 2024 amounts to 18,500 euros, paid by the city of Celle.",
    ], title="Jahresbericht der Städtepartnerschaft 2023")
    builders.scanned_pdf(docs / "niederschrift.pdf", [["Seite 1 von 2: Tagesordnung", "", "Begrüßung durch die Bürgermeisterin."],
                                                       GERMAN_PAGE])
    builders.odt(docs / "beschluss.odt", "Ratsbeschluss Klimaschutz Lüneburg", "Beschluss",
                 ["Der Stadtrat von Lüneburg bewilligte 12.000 Euro für ein Klimaschutzprojekt mit der Partnerstadt Naruto."])
    builders.pptx(docs / "vortrag.pptx", [("Partnerschaften in Wolfsburg", "Ein Überblick für den Kulturausschuss."),
                                          ("Schulen", "Die Schulpartnerschaft zwischen Wolfsburg und Toyota begann im Jahr 2015.")])
    builders.eml(docs / "delegation.eml", "Besuch der Delegation aus Kaliningrad", "Anna Müller <anna@example.org>",
                 "Tue, 14 May 2024 10:00:00 +0200",
                 "Liebe Kolleginnen und Kollegen,\n\ndie Delegation aus Kaliningrad trifft am 3. Juni am Hauptbahnhof Hannover ein.\n")
    builders.rtf(docs / "protokoll.rtf", "Protokoll Partnerschaft Wolgograd",
                 ["Die Städtepartnerschaft zwischen Köln und Wolgograd ruht seit dem Jahr 2022."])
    return docs


@pytest.fixture(scope="module")
def assistant(folder, tmp_path_factory, e5_embedder) -> Assistant:
    assistant = Assistant(folder, tmp_path_factory.mktemp("formats-index"), e5_embedder)
    report = assistant.update()
    assert report.skipped == () and len(report.added) == 6
    assert {h.file: h.ocr_pages for h in report.health}["niederschrift.pdf"] == (1, 2)
    return assistant


@pytest.mark.parametrize("question, document, page, title", [
    ("Wie viele Schüler reisten 2023 aus Celle nach Tjumen?", "bericht.pdf", 2, "Jahresbericht der Städtepartnerschaft 2023"),
    ("How large is the partnership budget for 2024?", "bericht.pdf", 3, "Jahresbericht der Städtepartnerschaft 2023"),
    ("Wann beschloss der Gemeinderat, die Städtepartnerschaft mit Gödöllő zu verlängern?", "niederschrift.pdf", 2,
     "Seite 1 von 2: Tagesordnung"),
    ("How much money did the Lüneburg city council approve for the climate protection project?", "beschluss.odt", None,
     "Ratsbeschluss Klimaschutz Lüneburg"),
    ("Seit wann gibt es die Schulpartnerschaft zwischen Wolfsburg und Toyota?", "vortrag.pptx", 2, "Partnerschaften in Wolfsburg"),
    ("When does the delegation from Kaliningrad arrive in Hanover?", "delegation.eml", None, "Besuch der Delegation aus Kaliningrad"),
    ("Seit wann ruht die Städtepartnerschaft zwischen Köln und Wolgograd?", "protokoll.rtf", None, "Protokoll Partnerschaft Wolgograd"),
])
def test_each_file_answers_its_question_with_page_and_title(assistant, question, document, page, title):
    answer = assistant.ask(question)
    assert not answer.abstained, answer.text
    first = answer.citations[0]
    assert (first.document, first.page, first.title) == (document, page, title)
    assert assistant.index.document(document).text[first.start : first.end] == first.quote


def test_ask_json_carries_page_and_title(folder, assistant, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "Wie viele Schüler reisten 2023 aus Celle nach Tjumen?",
                          "--json", "--docs", str(folder), "--index", str(assistant.index_dir)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    citation = json.loads(out.stdout)["citations"][0]
    assert citation["document"] == "bericht.pdf" and citation["page"] == 2
    assert citation["title"] == "Jahresbericht der Städtepartnerschaft 2023"
