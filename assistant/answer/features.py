"""Numbers a fitted model can weigh: per candidate sentence (does it answer?), per question (is it answerable
at all?) and per span (is this the answer itself?). Pure; the names are the keys of the fitted JSON."""
from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from typing import Sequence

from ..answering import is_heading, opens_with_pronoun
from ..lexical import tokenize
from .bilingual import question_stems
from .extract import Span, dates, has_unit, names, numbers
from .question import QuestionInfo
from .select import Sentence



def word_hits(stems_per_word: Sequence[frozenset[str]], terms: set[str]) -> list[bool]:
    """Per word: is one of its stems among `terms`, or, for longer words, does one share a 5-letter prefix with one?
    Spellings across languages meet that way ("partnership"/"partnerschaft"; "hanover"/"hannover" do not)."""
    prefixes = {t[:5] for t in terms if len(t) >= 5}
    return [bool(stems & terms) or any(len(t) >= 5 and t[:5] in prefixes for t in stems) for stems in stems_per_word]


def _singles(terms: Sequence[str]) -> list[frozenset[str]]:
    return [frozenset((t,)) for t in terms]


def idf_table(texts: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency over the candidate sentences: a term in few of them tells them apart."""
    df: dict[str, int] = {}
    for text in texts:
        for term in set(tokenize(text)):
            df[term] = df.get(term, 0) + 1
    n = len(texts)
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


def coverage(question_terms: Sequence[str], sentence_terms: set[str], idf: dict[str, float]) -> tuple[float, float, float]:
    """(share of question terms present, idf-weighted share, share present allowing prefix matches)."""
    if not question_terms:
        return 0.0, 0.0, 0.0
    exact = [t in sentence_terms for t in question_terms]
    weights = [idf.get(t, math.log(len(idf) + 2)) for t in question_terms]
    fuzzy = word_hits(_singles(question_terms), sentence_terms)
    return (sum(exact) / len(exact), sum(w for w, e in zip(weights, exact) if e) / sum(weights),
            sum(fuzzy) / len(fuzzy))


def type_match(kind: str, text: str) -> float:
    """Does the sentence hold the kind of thing asked for (a date for "wann", a number for "wie viele", a name for "wer")?"""
    if kind == "date":
        return float(bool(dates(text)))
    if kind == "count":
        return float(bool(numbers(text)))
    if kind in ("person", "place"):
        return float(any(text[s.start : s.end].count(" ") >= (1 if kind == "person" else 0) for s in names(text)))
    return 0.0


_TYPED = {"date": dates, "count": numbers, "person": names, "place": names}


def answer_distance(kind: str, text: str, stems: Sequence[frozenset[str]]) -> float:
    """Words between a thing of the asked-for type and the nearest question word in the sentence (20 when there is
    no such thing or no question word): "… werden im Oktober 2016 schließen" answers when Ford's plants close."""
    find = _TYPED.get(kind)
    spans = find(text) if find else []
    if not spans:
        return 20.0
    words = list(re.finditer(r"\w+", text))
    matched = [i for i, m in enumerate(words) if any(word_hits(stems, set(tokenize(m.group()))))]
    starts = [m.start() for m in words]
    ends = [m.end() for m in words]
    return min((min(_distance_to_match(span, starts, ends, matched), 20.0) for span in spans), default=20.0)


SENTENCE_FEATURES = (
    "cosine", "cosine_gap", "passage_cosine", "passage_gap", "rank", "top_rank", "overlap", "idf_overlap",
    "fuzzy_overlap", "english", "english_cosine", "english_fuzzy", "typed_question", "type_match", "counted_present",
    "heading", "log_length", "first_in_passage", "neighbour_gap", "neighbour_overlap", "pronoun_opening",
    "keywords_present", "cosine_rank", "bigram_overlap", "best_in_passage", "unit_asked", "unit_match",
    "dictionary_overlap", "dictionary_overlap_english", "answer_distance",
)
# Match features that also enter relative to the question's other candidates (minus the best, minus the mean):
# trees scoring one sentence at a time cannot see that a 0.5 overlap is the best on offer for this question.
# Measured with 5 article folds (top-1 sentence holds the answer): XQuAD DE .788 → .793, EN .717 → .741,
# GermanQuAD .637 → .666 (ranks of the same features added nothing).
RELATIVE = ("overlap", "idf_overlap", "fuzzy_overlap", "dictionary_overlap", "type_match", "answer_distance",
            "keywords_present", "bigram_overlap", "english_fuzzy", "dictionary_overlap_english", "neighbour_overlap")
SENTENCE_FEATURES = (*SENTENCE_FEATURES, *(f"{n}_below_best" for n in RELATIVE), *(f"{n}_above_mean" for n in RELATIVE))


def _keyword_share(keywords: Sequence[str], text: str) -> float:
    if not keywords:
        return 0.0
    words = {w.lower() for w in re.findall(r"[\w\-]+|\d[\d.,]*\d", text)}
    return sum(k in words or (len(k) >= 5 and any(w[:5] == k[:5] for w in words)) for k in keywords) / len(keywords)


def _bigrams(terms: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:]))


def sentence_features(q: QuestionInfo, language: str, sentences: Sequence[Sentence]) -> list[list[float]]:
    if not sentences:
        return []
    idf = idf_table([s.text for s in sentences])
    best_cos = max(s.cosine for s in sentences)
    best_passage = max(s.passage_score for s in sentences)
    english = float(language == "en")
    typed = float(q.kind in ("date", "count", "person", "place"))
    cos_order = {i: r for r, i in enumerate(sorted(range(len(sentences)), key=lambda i: -sentences[i].cosine))}
    best_in_passage: dict[tuple[int, str], float] = {}
    for s in sentences:
        key = (s.rank, s.document)
        best_in_passage[key] = max(best_in_passage.get(key, -1.0), s.cosine)
    q_bigrams = _bigrams(q.terms)
    stems = question_stems(q.words, language)
    # the counted noun in the sentence's language: "How many inhabitants" needs "Einwohner", not any number
    counted = frozenset({q.counted}).union(*(st for w, st in zip(q.words, stems) if tokenize(w)[:1] == [q.counted])) \
        if q.counted else frozenset()
    rows = []
    for i, s in enumerate(sentences):
        terms = set(tokenize(s.text))
        overlap, idf_overlap, fuzzy = coverage(q.terms, terms, idf)
        neighbours = set(tokenize(s.before)) | set(tokenize(s.after))
        n_overlap = coverage(q.terms, neighbours, idf)[1]
        rows.append([
            s.cosine, s.cosine - best_cos, s.passage_cosine, s.passage_score - best_passage, float(s.rank),
            float(s.rank == 0), overlap, idf_overlap, fuzzy, english, english * s.cosine, english * fuzzy, typed,
            type_match(q.kind, s.text), float(bool(counted) and word_hits([counted], terms)[0]),
            float(is_heading(s.text)), math.log(1 + len(s.text)),
            float(s.position == 0), max(s.before_cosine, s.after_cosine) - s.cosine, n_overlap,
            float(opens_with_pronoun(s.text)),
            _keyword_share(q.keywords, s.text), float(min(cos_order[i], 10)),
            len(q_bigrams & _bigrams(tokenize(s.text))) / len(q_bigrams) if q_bigrams else 0.0,
            float(s.cosine >= best_in_passage[(s.rank, s.document)]), float(q.unit is not None),
            float(q.unit is not None and has_unit(q.unit, s.text)),
        ])
        hits = word_hits(stems, terms)
        share = sum(hits) / len(hits) if hits else 0.0
        rows[-1] += [share, english * share, answer_distance(q.kind, s.text, stems)]
    return with_relative(rows)


def with_relative(rows: list[list[float]]) -> list[list[float]]:
    """Append the RELATIVE columns: each value minus the best and minus the mean over this question's candidates."""
    columns = [SENTENCE_FEATURES.index(n) for n in RELATIVE]
    values = [[row[c] for c in columns] for row in rows]
    best = [max(col) for col in zip(*values)]
    mean = [sum(col) / len(col) for col in zip(*values)]
    return [row + [v - b for v, b in zip(vals, best)] + [v - m for v, m in zip(vals, mean)] for row, vals in zip(rows, values)]


QUESTION_FEATURES = (
    "top_logit", "second_logit", "top_cosine", "top_passage_cosine", "top_passage_score", "max_idf_overlap",
    "max_fuzzy", "uncovered", "english", "english_top_cosine", "english_top_logit", "typed_unmatched",
    "counted_missing", "n_terms", "max_keywords", "top_keywords", "n_keywords", "top_type_match", "unit_unmatched",
    "max_dictionary", "top_dictionary", "dictionary_uncovered", "english_dictionary_uncovered", "top_answer_distance",
    "best_answer_distance", "judge_top", "judge_best", "english_judge_best",
)
JUDGED = 3  # the top sentences (by the sentence scorer) the judge reads


def question_features(q: QuestionInfo, language: str, sentences: Sequence[Sentence], rows: Sequence[Sequence[float]],
                      logits: Sequence[float], margins: Sequence[float]) -> list[float]:
    """Is the answer among the candidates at all? Built from the best candidates' scores, what no candidate covers
    and the judge's margins on the JUDGED best sentences (in the sentence scorer's order)."""
    index = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    order = sorted(range(len(logits)), key=lambda i: -logits[i])
    top = order[0] if order else None
    english = float(language == "en")
    all_terms = set().union(*(set(tokenize(s.text)) for s in sentences)) if sentences else set()
    uncovered = sum(not hit for hit in word_hits(_singles(q.terms), all_terms)) / len(q.terms) if q.terms else 0.0
    top3 = order[:3]
    typed_unmatched = float(q.kind in ("date", "count", "person", "place") and not any(rows[i][index["type_match"]] for i in top3))
    counted_missing = float(q.counted is not None and not any(rows[i][index["counted_present"]] for i in order))
    top_logit = logits[top] if top is not None else -10.0
    top_cos = max((s.cosine for s in sentences), default=0.0)
    stems = question_stems(q.words, language)
    dictionary_uncovered = (sum(not hit for hit in word_hits(stems, all_terms)) / len(stems)) if stems else 0.0
    return [
        top_logit, logits[order[1]] if len(order) > 1 else -10.0, top_cos,
        max((s.passage_cosine for s in sentences), default=0.0), max((s.passage_score for s in sentences), default=0.0),
        max((r[index["idf_overlap"]] for r in rows), default=0.0), max((r[index["fuzzy_overlap"]] for r in rows), default=0.0),
        uncovered, english, english * top_cos, english * top_logit, typed_unmatched, counted_missing,
        math.log(1 + len(q.terms)), max((r[index["keywords_present"]] for r in rows), default=0.0),
        rows[top][index["keywords_present"]] if top is not None else 0.0, float(len(q.keywords)),
        rows[top][index["type_match"]] if top is not None else 0.0,
        float(q.unit is not None and not any(r[index["unit_match"]] for r in rows)),
        max((r[index["dictionary_overlap"]] for r in rows), default=0.0),
        rows[top][index["dictionary_overlap"]] if top is not None else 0.0, dictionary_uncovered, english * dictionary_uncovered,
        rows[top][index["answer_distance"]] if top is not None else 20.0,
        min((rows[i][index["answer_distance"]] for i in top3), default=20.0),
        margins[0] if margins else -20.0, max(margins, default=-20.0), english * max(margins, default=-20.0),
    ]


def _distance_to_match(span: Span, word_starts: list[int], word_ends: list[int], matched_at: list[int]) -> float:
    """Words between the span and the nearest question word outside it (99 when there is none)."""
    first = bisect_left(word_starts, span.start)
    last = bisect_right(word_ends, span.end) - 1
    gaps = [first - i for i in matched_at if i < first] + [i - last for i in matched_at if i > last]
    return float(min(gaps, default=99))
