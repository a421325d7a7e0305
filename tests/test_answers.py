"""Answers a person can use (issue 9), with the real e5 model over the bundled documents: the answer itself
first, its span inside a cited quote, English dates written the English way, honest refusals, follow-ups that
are only merged when they refer back. Assertions are about content, never raw scores."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.compose import compose, quoted
from assistant.answer.extract import english_rendering
from assistant.answer.model import load_model
from assistant.answer.question import analyse, names_own_subject
from assistant.cli import main as cli_main
from assistant.evaluation import squad_questions, with_translations
from assistant.records import Citation, ShortAnswer

KNOWN_GAP = pytest.mark.xfail(strict=True, reason=(
    "issue 9 still open: e5-small ranks the answering sentence below a related one (a cross-language paraphrase "
    "'won' ~ 'Gewinner', or 'unterzeichnet' ~ 'besiegelt' in a passage retrieval ranks 6th); strict, so a fix shows"))


DOC_002 = "002_a8dd257f02667724.txt"  # NRW–Dnipropetrowsk
DOC_003 = "003_cb19f3dc33687751.txt"  # Börde/Barleben–Omsk
DOC_004 = "004_e85212cae8a71ee6.txt"  # Düsseldorf–Moskau


@pytest.fixture(scope="module")
def assistant(e5_assistant):
    return e5_assistant


def _verified(assistant, answer) -> None:
    for c in answer.citations:
        assert assistant.index.document_text(c.document)[c.start : c.end] == c.quote
    s = answer.short_answer
    if s is not None:
        cited = answer.citations[s.n - 1]
        assert cited.start <= s.start < s.end <= cited.end


def _cited(answer) -> str:
    return " ".join(" ".join(c.quote.split()) for c in answer.citations)


@pytest.mark.model
@KNOWN_GAP
def test_german_date_question_opens_with_the_date_and_cites_its_sentence(assistant):
    answer = assistant.ask("Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk unterzeichnet?")
    _verified(assistant, answer)
    assert not answer.abstained and answer.citations[0].document == DOC_002
    assert "28. Februar 2023" in _cited(answer)
    assert answer.short_answer is not None and "28. Februar 2023" in answer.short_answer.text
    assert answer.text.startswith(answer.short_answer.text)


@pytest.mark.model
@KNOWN_GAP
def test_english_date_is_written_the_english_way_and_no_file_names_in_the_reply(assistant):
    answer = assistant.ask("When was the partnership between North Rhine-Westphalia and Dnipropetrovsk sealed?")
    _verified(assistant, answer)
    assert "28. Februar 2023" in _cited(answer)
    assert answer.short_answer is not None and "28 February 2023" in answer.short_answer.text
    assert answer.text.startswith("28 February 2023") and ".txt" not in answer.text


@pytest.mark.model
@pytest.mark.parametrize("question,document,evidence", [
    ("Which companies won the pitch competition in Moscow?", DOC_004, "Volts und Altarix"),
    ("Who is Thomas Geisel?", DOC_004, "Geisel"),
    pytest.param("Which industries will the business tables in Barleben focus on?", DOC_003,
                 "Medizintechnik, Pflege und Metallverarbeitung", marks=KNOWN_GAP),
])
def test_english_questions_over_german_text_are_answered_from_the_right_sentence(assistant, question, document, evidence):
    answer = assistant.ask(question)
    _verified(assistant, answer)
    assert not answer.abstained and answer.citations[0].document == document
    assert evidence in _cited(answer)


@pytest.mark.model
@pytest.mark.parametrize("question", [
    "Wie viele Einwohner hat Omsk?",
    "Wie hoch ist die Arbeitslosenquote in Jekaterinburg?",
    "What is the population of Dnipro?",  # refused since the English→German dictionary: "population" meets no "Einwohner"
    pytest.param("How many inhabitants does Omsk have?", marks=pytest.mark.xfail(strict=True, reason=(
        "issue 9 still open: the English counted noun now meets 'Einwohner' through the dictionary, but English "
        "unanswerables are refused only ~68 % of the time (cross-validated); its German twin is refused"))),
])
def test_questions_the_documents_do_not_answer_are_refused(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and not answer.citations and answer.short_answer is None


@pytest.mark.model
def test_a_question_naming_its_own_subject_is_not_merged_with_the_previous_one(assistant):
    history = ["Wer leitet die Delegation aus Omsk?"]
    answer = assistant.ask("Welche Städtepartnerschaften gibt es mit der Ukraine?", history)
    assert answer.read_as is None
    follow_up = assistant.ask("Und wann war das?", ["Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk besiegelt?"])
    assert follow_up.read_as is not None and "Dnipropetrowsk" in follow_up.read_as


@pytest.mark.model
def test_open_question_gets_an_overview_of_several_cited_sentences(assistant):
    answer = assistant.ask("Erzähl mir von der Partnerschaft zwischen Düsseldorf und Moskau.")
    _verified(assistant, answer)
    assert 3 <= len(answer.citations) <= 5
    assert len({c.quote for c in answer.citations}) == len(answer.citations)
    assert answer.text.count("\n- ") == len(answer.citations)


@pytest.mark.model
def test_ask_json_carries_the_short_answer(assistant, capsys):
    code = cli_main(["ask", "--json", "--docs", str(assistant.docs_dir), "--index", str(assistant.index_dir),
                     "Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk besiegelt?"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["short_answer"]["n"] >= 1
    cited = payload["citations"][payload["short_answer"]["n"] - 1]
    assert cited["start"] <= payload["short_answer"]["start"] < payload["short_answer"]["end"] <= cited["end"]


def test_quotes_that_bring_their_own_marks_are_not_doubled():
    assert quoted("„Wir wollen klein anfangen“, erklärt er.", "de") == "»„Wir wollen klein anfangen“, erklärt er.«"
    assert quoted("Ein Satz.", "de") == "„Ein Satz.“"
    text = compose("de", [Citation(1, "a.txt", 0, 10, "„Zitat“ am Anfang.")])
    assert "„„" not in text


def test_english_rendering_of_german_dates_and_amounts():
    assert english_rendering("28. Februar 2023") == "28 February 2023"
    assert english_rendering("18.500 Euro") == "18,500 euros"
    assert english_rendering("3,5 Millionen") == "3.5 million"
    assert english_rendering("Thomas Geisel") == "Thomas Geisel"


def test_english_questions_are_scored_against_the_english_rendering_of_german_gold_answers():
    """GermanQuAD's English questions (translated for training) have German gold answers only; an English reply
    writes dates and amounts the English way, so that rendering counts as right too. XQuAD brings its own."""
    translated = {"question_en": "When was Omsk founded?", "paragraph_id": "p", "answers_de": ["28. Februar 1716", "1716"]}
    assert squad_questions([translated], "en")[0]["answers"] == ["28. Februar 1716", "1716", "28 February 1716"]
    assert squad_questions([translated], "de") == []  # no German question given
    xquad = {"question_en": "When?", "question_de": "Wann?", "paragraph_id": "p", "answer_de": "2. Mai", "answer_en": "May 2"}
    assert squad_questions([xquad], "en")[0]["answers"] == ["2. Mai", "May 2"]
    assert squad_questions([xquad], "de")[0]["answers"] == ["2. Mai"]
    # `eval answers --translations` joins the English questions to the German ones by id; others stay German only
    joined = with_translations([{"id": "a", "question_de": "Wann?"}, {"id": "b", "question_de": "Wo?"}],
                               [{"id": "a", "question_en": "When?"}])
    assert joined == [{"id": "a", "question_de": "Wann?", "question_en": "When?"}, {"id": "b", "question_de": "Wo?"}]


def test_english_germanquad_questions_are_one_question_per_id():
    data = Path(__file__).resolve().parents[1] / "scripts" / "data" / "germanquad_questions_en.jsonl"
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len({r["id"] for r in rows}) > 700
    assert all(set(r) == {"id", "question_en"} and r["id"].startswith("gq-q") and r["question_en"].rstrip().endswith("?")
               for r in rows)


def test_short_answer_leads_the_reply():
    citation = Citation(1, "a.txt", 0, 40, "Die Partnerschaft wurde am 28. Februar 2023 besiegelt.")
    text = compose("de", [citation], ShortAnswer("28. Februar 2023", 1, 27, 43))
    assert text.startswith("28. Februar 2023 [1]")


def test_question_kinds_and_own_subjects():
    assert analyse("Seit wann besteht die Partnerschaft?").kind == "date"
    assert analyse("Wie viele Einwohner hat Omsk?").counted == analyse("Einwohner").terms[0]
    assert analyse("Who is Thomas Geisel?").kind == "person"
    assert analyse("Tell me about the delegation.").kind == "open"
    assert names_own_subject("Welche Städtepartnerschaften gibt es mit der Ukraine?")
    assert not names_own_subject("Und wann war das?")


def test_the_question_word_that_comes_first_names_the_kind():
    # a title holding a question word does not make the question ask for it ("Doctor Who", "Wer die Nachtigall stört")
    assert analyse("Was macht Doctor Who, wenn sein Körper tödlich verwundet wird?", "de").kind == "what"
    assert analyse("Wie heißt Scouts Vater in Wer die Nachtigall stört?", "de").kind == "what"
    assert analyse("Wie viele Einwohner hat Omsk?", "de").kind == "count"  # the specific pattern at the same word
    assert analyse("Which city hosts the fair?", "en").kind == "place"
    # German "was" asks wherever it stands; in English it is a verb, and "when" inside a clause is no question word
    assert analyse("Der Westen sah den Osten als was?", "de").kind == "what"
    assert analyse("The southern part of the forest was hit by drought in what year?", "en").kind == "date"
    assert analyse("What sea bordered the empire to the east when he died?", "en").kind == "what"


def test_committed_model_matches_the_features_this_code_computes():
    model = load_model()
    assert set(model.answerable_threshold) == {"de", "en"}
    assert 0.0 < model.answerable_threshold["en"] < 1.0


@pytest.mark.model
def test_eval_answers_takes_the_xquad_format_with_leave_out_half(tmp_path, capsys):
    paragraphs = [
        {"id": "p-1", "title": "Omsk", "context": "Omsk liegt in Sibirien am Irtysch. Die Stadt wurde 1716 als Festung gegründet."},
        {"id": "p-2", "title": "Omsk", "context": "Der Hafen von Omsk ist einer der größten Flusshäfen Russlands."},
        {"id": "p-3", "title": "Hannover", "context": "Hannover ist die Hauptstadt Niedersachsens. Die CeBIT fand dort bis 2018 statt."},
    ]
    questions = [
        {"id": "q1", "paragraph_id": "p-1", "question_de": "Wann wurde Omsk gegründet?", "question_en": "When was Omsk founded?",
         "answer_de": "1716", "answer_start_de": 46, "answer_en": "1716"},
        {"id": "q2", "paragraph_id": "p-3", "question_de": "Bis wann fand die CeBIT in Hannover statt?",
         "question_en": "Until when did CeBIT take place in Hanover?", "answer_de": "2018", "answer_start_de": 70, "answer_en": "2018"},
        {"id": "q3", "paragraph_id": None, "question_de": "Wie heißt der Bürgermeister von Lyon?",
         "question_en": "Who is the mayor of Lyon?", "answer_de": None},
    ]
    for name, rows in (("paragraphs.jsonl", paragraphs), ("questions.jsonl", questions)):
        (tmp_path / name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    code = cli_main(["eval", "answers", "--json", "--paragraphs", str(tmp_path / "paragraphs.jsonl"),
                     "--questions", str(tmp_path / "questions.jsonl"), "--leave-out-half"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    for lang in ("de", "en"):
        metrics = result[lang]
        assert {"answerable", "answer_in_quote", "short_answer_f1", "gold_doc_first", "false_abstentions", "unanswerable",
                "abstained"} <= set(metrics)
        # each half is indexed in turn: every answerable question is asked once with and once without its paragraph
        assert metrics["answerable"] == 2 and metrics["unanswerable"] == 2 + 2


@pytest.mark.model
def test_eval_retrieval_takes_the_germanquad_format(tmp_path, capsys):
    """GermanQuAD has German questions only, and unanswerable ones without a gold paragraph: both are fine."""
    paragraphs = [
        {"id": "gq-p1", "title": "Omsk", "context": "Omsk liegt in Sibirien am Irtysch. Die Stadt wurde 1716 als Festung gegründet."},
        {"id": "gq-p2", "title": "Hannover", "context": "Hannover ist die Hauptstadt Niedersachsens. Die CeBIT fand dort bis 2018 statt."},
    ]
    questions = [
        {"id": "q1", "paragraph_id": "gq-p1", "question_de": "Wann wurde Omsk gegründet?", "answers_de": ["1716"]},
        {"id": "q2", "paragraph_id": "gq-p2", "question_de": "Wo fand die CeBIT statt?", "answers_de": ["Hannover"]},
        {"id": "q3", "paragraph_id": None, "question_de": "Wer ist Bürgermeister von Lyon?", "answers_de": [], "unanswerable": True},
    ]
    for name, rows in (("paragraphs.jsonl", paragraphs), ("questions.jsonl", questions)):
        (tmp_path / name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    code = cli_main(["eval", "retrieval", "--json", "--paragraphs", str(tmp_path / "paragraphs.jsonl"),
                     "--questions", str(tmp_path / "questions.jsonl")])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and "en" not in result
    assert result["de"]["n"] == 2 and result["de"]["recall@1"] == 1.0
