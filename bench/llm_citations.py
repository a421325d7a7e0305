"""How the citation check treats a model's citations on the seed questions, with a scripted model.

    python -m bench.llm_citations [--questions ../shared/eval/seeds/questions.jsonl] [--docs ../shared/corpus] [--rows]

`run(questions_file, docs_dir) -> dict` is what `python -m bench` can call.

A scripted "model" behind a real OpenAI-compatible HTTP server (tests/fake_openai.py) reads each prompt, finds
the passage that holds the gold evidence, and answers every question in three styles:

  faithful   the gold answer (in the question's language) and the evidence sentence, both citing the right passage
  miscited   a sentence from another passage cited as the right one, and the gold answer cited to that other
             passage: both citations are wrong
  invalid    the gold answer citing a passage number that does not exist ([k+2] of k)
  altered    the evidence sentence citing the right passage, but with one fact changed: its first number
             plus one, or (without numbers) a name replaced by "Berlin" - the hardest case for a similarity check

Unanswerable questions get "not in the documents" (faithful) and an invented claim with a number citing [1]
(miscited). The answers go through the same flow as `Assistant.ask_stream` (`generation.llm_answer_stream`);
the script prints kept / removed / flagged / attached counts per style, which of them were right, and what
the user finally saw (checked LLM answer, "not in the documents", or the extractive fallback).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_openai import FakeOpenAI, Reply, passages_in, question_in  # noqa: E402

from assistant.answer import answer_question  # noqa: E402
from assistant.answering import NOT_FOUND  # noqa: E402
from assistant.chunking import split_sentences  # noqa: E402
from assistant.embedding import make_embedder  # noqa: E402
from assistant.generation import OpenAIGenerator, llm_answer_stream  # noqa: E402
from assistant.lexical import tokenize  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402

STYLES = ("faithful", "miscited", "invalid", "altered")
INVENTED = {"de": "Laut den Dokumenten sind es genau 4711 Teilnehmende [1].",
            "en": "According to the documents it is exactly 4,711 kilometres [1]."}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def sentence_with(text: str, evidence: str) -> str | None:
    """The sentence of `text` that holds the start of the evidence (whitespace-normalised)."""
    head = norm(evidence)[:40]
    for span in split_sentences(text):
        if head in norm(text[span.start : span.end]):
            return text[span.start : span.end]
    return None


def alter(sentence: str) -> str | None:
    """One fact changed: the first number + 1, else the last capitalised word inside the sentence → "Berlin"."""
    sentence = norm(sentence)
    number = re.search(r"\d+", sentence)
    if number:
        return sentence[: number.start()] + str(int(number.group()) + 1) + sentence[number.end() :]
    names = [m for m in re.finditer(r"(?<=\s)[A-ZÄÖÜ][a-zäöüß]{3,}", sentence)]
    if not names:
        return None
    name = names[-1]
    return sentence[: name.start()] + "Berlin" + sentence[name.end() :]


class ScriptedModel:
    """Answers by quoting/paraphrasing the top passages, with correct and deliberately wrong citations."""

    def __init__(self, questions: list[dict]) -> None:
        self.by_question = {q["question"]: q for q in questions}
        self.style = "faithful"
        self.expected: Counter = Counter()  # what a perfect check would do with the last reply

    def __call__(self, request: dict) -> Reply:
        q = self.by_question[question_in(request)]
        passages = passages_in(request)
        self.expected = Counter()
        lang = q["lang"]
        if q["gold_doc"] is None:
            if self.style == "miscited":
                self.expected["flag"] += 1
                return Reply(INVENTED[lang])
            return Reply(NOT_FOUND[lang])
        gold = []  # (passage number, evidence sentence) per gold document found among the passages
        for doc, evidence in zip(as_list(q["gold_doc"]), as_list(q["evidence"])):
            for n, (source, text) in passages.items():
                if source == doc and norm(evidence) in norm(text) and (sentence := sentence_with(text, evidence)):
                    gold.append((n, sentence))
                    break
        if not gold:
            self.expected["miss"] += 1
            return Reply(NOT_FOUND[lang])
        right = "".join(f"[{n}]" for n, _ in gold)
        answer = q["answer"].rstrip(".")
        if self.style == "faithful":
            self.expected["keep"] += len(gold) + 1
            return Reply(f"{answer} {right}. " + " ".join(f"{norm(s).rstrip('.')} [{n}]." for n, s in gold))
        if self.style == "invalid":
            self.expected["remove"] += 1
            return Reply(f"{answer} [{len(passages) + 2}].")
        if self.style == "altered":
            changed = [(n, a) for n, s in gold if (a := alter(s))]
            self.expected["flag"] += len(changed)
            return Reply(" ".join(f"{a.rstrip('.')} [{n}]." for n, a in changed) or NOT_FOUND[lang])
        # miscited: content of another passage cited as the gold one, the gold answer cited to that other passage
        gold_texts = [passages[n][1] for n, _ in gold]
        others = [n for n, (_, text) in passages.items()
                  if n not in {g for g, _ in gold} and not any(norm(e) in norm(text) for e in as_list(q["evidence"]))]
        if not others:
            return Reply(NOT_FOUND[lang])
        wrong = others[0]
        wrong_text = passages[wrong][1]
        foreign = [wrong_text[s.start : s.end] for s in split_sentences(wrong_text)]
        foreign = [s for s in foreign if len(tokenize(s)) >= 4 and not any(norm(s) in norm(t) for t in gold_texts)]
        parts = []
        if foreign:
            parts.append(f"{norm(max(foreign, key=lambda s: len(tokenize(s)))).rstrip('.')} [{gold[0][0]}].")
            self.expected["flag"] += 1
        parts.append(f"{answer} [{wrong}].")
        self.expected["flag"] += 1
        return Reply(" ".join(parts))


def run(questions_file: Path, docs: Path) -> dict:
    questions = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    model = ScriptedModel(questions)
    embedder = make_embedder()
    totals: dict[str, Counter] = defaultdict(Counter)
    expected: dict[str, Counter] = defaultdict(Counter)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    rows = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(model) as server:
        generator = OpenAIGenerator(server.url, "scripted-model", timeout=10)
        assistant = Assistant(docs, Path(tmp) / "index", embedder, generator=generator)
        assistant.update()
        for style in STYLES:
            model.style = style
            for q in questions:
                if style in ("invalid", "altered") and q["gold_doc"] is None:
                    continue
                hits, query_vector, index = assistant.retrieve(q["question"], q["lang"])

                def extractive():
                    return answer_question(q["question"], q["lang"], hits, index.document_text)

                flow = llm_answer_stream(generator, q["question"], q["lang"], hits, assistant._embed_sentences,
                                         index.document_text, extractive)
                try:
                    while True:
                        _, answer = next(flow)
                except StopIteration as stop:
                    report = stop.value
                expected[style].update(model.expected)
                if report is not None:
                    totals[style].update(kept=report.kept, removed=report.removed, flagged=report.flagged,
                                         attached=report.attached, dropped_sentences=len(report.dropped))
                outcome = ("fallback" if any(n.startswith(("Keine Aussage", "None of", "Das Sprachmodell", "The language"))
                                             for n in answer.notes[:1])
                           else "not found" if answer.abstained else "LLM answer")
                outcomes[style][outcome] += 1
                golds = set(as_list(q["gold_doc"])) if q["gold_doc"] else set()
                rows.append({"style": style, "id": q["id"], "outcome": outcome,
                             "cites_gold": bool(golds & {c.document for c in answer.citations}),
                             "report": None if report is None else {"kept": report.kept, "removed": report.removed,
                                                                    "flagged": report.flagged, "attached": report.attached},
                             "answer": answer.text})
    return {"questions": len(questions), "seconds": round(time.monotonic() - started, 1),
            "by_style": {s: {"counts": dict(totals[s]), "expected": dict(expected[s]), "outcomes": dict(outcomes[s])}
                         for s in STYLES},
            "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared/eval/seeds/questions.jsonl")
    parser.add_argument("--docs", type=Path, default=ROOT.parent / "shared/corpus")
    parser.add_argument("--rows", action="store_true", help="also print every answer")
    args = parser.parse_args()
    result = run(args.questions, args.docs)
    if not args.rows:
        result.pop("rows")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
