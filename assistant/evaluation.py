"""Evaluation on the shared formats: retrieval on XQuAD (German paragraphs, German and English questions)
and answers on the seed questions (gold document cited, evidence overlapped, abstention on unanswerables)."""
from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .answer.extract import english_rendering
from .records import Answer, Hit


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def with_translations(questions: Sequence[dict], translations: Sequence[dict]) -> list[dict]:
    """Questions with further languages merged in by id (rows like {"id", "question_en"}): GermanQuAD's English
    questions, translated for this project (scripts/data/germanquad_questions_en.jsonl), join its German ones."""
    extra = {t["id"]: {k: v for k, v in t.items() if k.startswith("question_")} for t in translations}
    return [dict(q, **extra.get(q["id"], {})) for q in questions]


def document_ranking(hits: Sequence[Hit]) -> list[str]:
    """Documents in the order their first chunk appears among the hits."""
    return list(dict.fromkeys(h.chunk.doc_id for h in hits))


def retrieval_metrics(rankings: Iterable[tuple[list[str], str]]) -> dict:
    """recall@1, recall@5 and MRR@10 of gold documents within document rankings."""
    n = r1 = r5 = 0
    rr = 0.0
    for ranking, gold in rankings:
        n += 1
        rank = ranking.index(gold) + 1 if gold in ranking else None
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank is not None and rank <= 10 else 0.0
    return {"n": n, "recall@1": round(r1 / n, 4) if n else 0.0, "recall@5": round(r5 / n, 4) if n else 0.0,
            "mrr@10": round(rr / n, 4) if n else 0.0}


def write_paragraphs(paragraphs: list[dict], folder: Path) -> None:
    """Each XQuAD paragraph becomes one document named after its id."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in paragraphs:
        (folder / f"{p['id']}.txt").write_text(p["context"], encoding="utf-8")


def eval_retrieval(
    paragraphs_file: Path,
    questions_file: Path,
    make_assistant: Callable[[Path, Path], object],
    work_dir: Path | None = None,
) -> dict:
    """Index the paragraphs, ask every question in German and in English (where the set has them), rank the gold
    paragraph; questions without one (unanswerable) are not ranked."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        docs, index_dir = Path(tmp) / "docs", Path(tmp) / "index"
        write_paragraphs(read_jsonl(paragraphs_file), docs)
        assistant = make_assistant(docs, index_dir)
        assistant.update()
        questions = read_jsonl(questions_file)
        result: dict = {}
        for lang in ("de", "en"):
            rankings = []
            # GermanQuAD has no English questions, and its unanswerable ones have no gold paragraph to rank
            for q in (q for q in questions if q.get(f"question_{lang}") and q.get("paragraph_id")):
                hits, _, _ = assistant.retrieve(q[f"question_{lang}"], lang, k=20)
                rankings.append(([d.removesuffix(".txt") for d in document_ranking(hits)], q["paragraph_id"]))
            if rankings:
                result[lang] = retrieval_metrics(rankings)
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def evidence_spans(document_text: str, evidence: str) -> list[tuple[int, int]]:
    """Where the evidence occurs in the document, exactly or after whitespace normalisation."""
    spans = [(m.start(), m.start() + len(evidence)) for m in re.finditer(re.escape(evidence), document_text)]
    if spans:
        return spans
    pattern = r"\s+".join(re.escape(word) for word in _normalise(evidence).split(" "))
    return [(m.start(), m.end()) for m in re.finditer(pattern, document_text)]


def answer_metrics(results: Sequence[tuple[dict, Answer]], docs_dir: Path) -> dict:
    """Fractions over the seed questions: gold document first cited, evidence overlapped, abstentions."""
    answerable = [(q, a) for q, a in results if q["gold_doc"] is not None]
    unanswerable = [(q, a) for q, a in results if q["gold_doc"] is None]
    cited_gold = overlap = false_abstentions = 0
    for q, answer in answerable:
        golds = q["gold_doc"] if isinstance(q["gold_doc"], list) else [q["gold_doc"]]
        evidences = q["evidence"] if isinstance(q["evidence"], list) else [q["evidence"]]
        false_abstentions += answer.abstained
        if answer.citations and answer.citations[0].document in golds:
            cited_gold += 1
        gold_spans = {
            (doc, span) for doc, ev in zip(golds, evidences)
            for span in evidence_spans((docs_dir / doc).read_text(encoding="utf-8"), ev)
        }
        if any(c.document == doc and c.start < end and start < c.end for c in answer.citations for doc, (start, end) in gold_spans):
            overlap += 1
    n_a, n_u = len(answerable), len(unanswerable)
    return {
        "answerable": {"n": n_a, "cited_gold_doc": round(cited_gold / n_a, 4) if n_a else 0.0,
                       "evidence_overlap": round(overlap / n_a, 4) if n_a else 0.0},
        "unanswerable": {"n": n_u, "abstained": round(sum(a.abstained for _, a in unanswerable) / n_u, 4) if n_u else 0.0},
        "false_abstentions": round(false_abstentions / n_a, 4) if n_a else 0.0,
    }


def eval_answers(questions_file: Path, docs_dir: Path, make_assistant: Callable[[Path, Path], object],
                 work_dir: Path | None = None) -> dict:
    """Index the documents in a scratch folder, answer every seed question, score the citations."""
    started = time.monotonic()
    questions = read_jsonl(questions_file)
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        assistant = make_assistant(docs_dir, Path(tmp) / "index")
        assistant.update()
        results = [(q, assistant.ask(q["question"])) for q in questions]
    metrics = answer_metrics(results, docs_dir)
    metrics["seconds"] = round(time.monotonic() - started, 2)
    return metrics


def split_halves(paragraphs: list[dict]) -> tuple[list[dict], list[dict]]:
    """Two halves for SQuAD-2-style unanswerables: alternate paragraphs within each article (by title), so a
    left-out paragraph's article mates stay in as hard distractors; single-paragraph articles alternate too."""
    halves: tuple[list[dict], list[dict]] = ([], [])
    seen: dict[str, int] = {}
    singles = 0
    counts: dict[str, int] = {}
    for p in paragraphs:
        counts[p["title"]] = counts.get(p["title"], 0) + 1
    for p in paragraphs:
        if counts[p["title"]] == 1:
            halves[singles % 2].append(p)
            singles += 1
            continue
        position = seen.get(p["title"], 0)
        seen[p["title"]] = position + 1
        halves[position % 2].append(p)
    return halves


def _squad_tokens(text: str) -> list[str]:
    """SQuAD's answer normalisation: lower case, no punctuation, no English articles, single spaces."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return [w for w in text.split() if w not in ("a", "an", "the")]


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1 of a prediction against the best-matching gold answer."""
    best = 0.0
    pred = _squad_tokens(prediction)
    for gold in golds:
        ref = _squad_tokens(gold)
        common: dict[str, int] = {}
        for w in pred:
            common[w] = min(pred.count(w), ref.count(w))
        same = sum(common.values())
        if same:
            precision, recall = same / len(pred), same / len(ref)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def answer_in_quotes(quotes: Sequence[str], answers: Sequence[str]) -> bool:
    """Does one of the gold answers stand inside one of the quotes (whitespace normalised)?"""
    normal = [_normalise(q) for q in quotes]
    return any(_normalise(a) and _normalise(a) in q for a in answers for q in normal)


def squad_answer_metrics(records: Sequence[dict]) -> dict:
    """The answer keys for XQuAD/GermanQuAD-style sets. Each record: answerable, abstained, quotes (texts),
    short (text or None), first_doc, gold_doc, answers (gold strings).

    `answer_in_quote` and `short_answer_f1` are over the answerable questions that were answered (a refusal is
    counted once, in `false_abstentions`); the `_all` variants count a refusal as a miss. The short answer is
    scored when there is one, else the first quote (what the reader sees first)."""
    answerable = [r for r in records if r["answerable"]]
    answered = [r for r in answerable if not r["abstained"]]
    unanswerable = [r for r in records if not r["answerable"]]

    def share(values: list) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    in_quote = [answer_in_quotes(r["quotes"], r["answers"]) for r in answered]
    f1 = [token_f1(r["short"] or (r["quotes"][0] if r["quotes"] else ""), r["answers"]) for r in answered]
    return {
        "answerable": len(answerable), "answer_in_quote": share(in_quote), "short_answer_f1": share(f1),
        "answer_in_quote_all": round(sum(in_quote) / len(answerable), 4) if answerable else 0.0,
        "short_answer_f1_all": round(sum(f1) / len(answerable), 4) if answerable else 0.0,
        "gold_doc_first": share([r["first_doc"] == r["gold_doc"] for r in answerable]),
        "false_abstentions": share([r["abstained"] for r in answerable]),
        "unanswerable": len(unanswerable), "abstained": share([r["abstained"] for r in unanswerable]),
        "short_answers_shown": share([r["short"] is not None for r in answered]),
        "quotes_per_answer": share([len(r["quotes"]) for r in answered]),
    }


def squad_questions(questions: Sequence[dict], lang: str) -> list[dict]:
    """Questions of one language with their gold document and answers (the German span, plus the English one
    for English questions, since an English reply renders dates and numbers the English way)."""
    out = []
    for q in questions:
        if not q.get(f"question_{lang}"):
            continue
        answers = list(q.get("answers_de") or ([q["answer_de"]] if q.get("answer_de") else []))
        if lang == "en":  # the English gold answer, or else the German ones rendered as an English reply writes them
            answers += [q["answer_en"]] if q.get("answer_en") else [e for e in map(english_rendering, answers) if e not in answers]
        gold = f"{q['paragraph_id']}.txt" if q.get("paragraph_id") else None
        out.append({"question": q[f"question_{lang}"], "gold_doc": gold, "answers": answers})
    return out


def eval_squad_answers(paragraphs_file: Path, questions_file: Path, make_assistant: Callable[[Path, Path], object],
                       leave_out_half: bool = False, work_dir: Path | None = None, translations: Path | None = None) -> dict:
    """Answer every question of an XQuAD/GermanQuAD-format set through the whole pipeline, per language.
    With `leave_out_half`, each half of the paragraphs is indexed in turn (article mates stay as distractors)
    and the questions about the other half must be refused; `paragraph_id: null` questions always must."""
    started = time.monotonic()
    paragraphs, questions = read_jsonl(paragraphs_file), read_jsonl(questions_file)
    if translations is not None:
        questions = with_translations(questions, read_jsonl(translations))
    indexes = split_halves(paragraphs) if leave_out_half else (paragraphs,)
    records: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        for n, kept in enumerate(indexes):
            docs = Path(tmp) / f"docs-{n}"
            write_paragraphs(kept, docs)
            assistant = make_assistant(docs, Path(tmp) / "index")
            assistant.update()
            present = {f"{p['id']}.txt" for p in kept}
            for lang in ("de", "en"):
                for q in squad_questions(questions, lang):
                    answer = assistant.ask(q["question"])
                    short = answer.short_answer.text if answer.short_answer else None
                    records.setdefault(lang, []).append({
                        "answerable": q["gold_doc"] in present, "abstained": answer.abstained, "gold_doc": q["gold_doc"],
                        "quotes": [c.quote for c in answer.citations], "short": short, "answers": q["answers"],
                        "first_doc": answer.citations[0].document if answer.citations else None})
    result: dict = {lang: squad_answer_metrics(rs) for lang, rs in records.items()}
    result["seconds"] = round(time.monotonic() - started, 2)
    return result
