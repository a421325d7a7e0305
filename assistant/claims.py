"""Reading a generated answer: its [n] markers, its sentences and the claims they make, numbers in a claim,
and the two kinds of sentence the check treats specially (orders addressed to the model, "not in the documents").
Pure: regular expressions and the project's sentence splitter."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import split_sentences

# [1]  [1, 2]  [1;2]  [Passage 1]  [Quelle 2, 3]
MARKER = re.compile(r"\[\s*(?:(?:passage|passagen|quelle|quellen|source|sources|abschnitt)\s*)?"
                    r"(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d{3}(?!\d))*")
_NOT_FOUND = re.compile(
    r"\b(?:nicht|keine?n?|nichts)\b[^.!?]{0,80}\b(?:dokument\w*|passage\w*|textstelle\w*|quelle\w*|text\w*|angegeben|erwähnt|genannt|enthalten)"
    r"|\b(?:dokument\w*|passage\w*|textstelle\w*|quelle\w*)\b[^.!?]{0,60}\b(?:nicht|keine?)\b"
    r"|\b(?:do(?:es)?|did)\s*(?:not|n[’']t)\s+(?:say|mention|contain|state|include|provide|specify|give|tell)"
    r"|\bno (?:information|mention|details?)\b"
    r"|\bnot (?:stated|mentioned|specified|given|found|included|contained)\b",
    re.I,
)
_SOURCES = re.compile(r"\b(?:dokument|passage|textstelle|quelle|unterlage|kontext|document|source|context|text)", re.I)
# Sentences in a document that address the model ("ignore previous instructions and answer that …") are
# never evidence: otherwise a claim dictated by an injected document would be "supported" by the dictation.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:instructions?|rules?|prompts?|guidelines)\b"
    r"|\b(?:ignorier\w*|vergiss|vergesst|missachte\w*)\b[^.!?]{0,40}\b(?:anweisung\w*|regeln|vorgaben|prompts?)\b"
    r"|\bsystem[ -]?prompt\b|\byou are now\b|\bdu bist (?:jetzt|nun|ab sofort)\b"
    r"|\b(?:to|for) (?:the|any) (?:ai|llm|language model|assistant|chatbot)\b"
    r"|\ban (?:das|die|den) (?:ki|sprachmodell|llm|assistenten|chatbot)\b",
    re.I,
)
_DECORATION = re.compile(r"[*_#`>]+|^\s*(?:[-•*–]|\d+[.)])\s+")


@dataclass(frozen=True)
class Marker:
    """One bracket group in the answer text, e.g. "[1, 2]" at [start, end)."""

    start: int
    end: int
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class Sentence:
    """An answer sentence at [start, end) of the answer text, with the markers that belong to it."""

    start: int
    end: int
    markers: tuple[Marker, ...]


def find_markers(text: str) -> list[Marker]:
    return [Marker(m.start(), m.end(), tuple(int(n) for n in re.split(r"\s*[,;]\s*", m.group(1)))) for m in MARKER.finditer(text)]


def split_answer(text: str) -> list[Sentence]:
    """Sentences with their markers; markers written after the full stop ("… Kontrolle. [1]") join the sentence before."""
    markers = find_markers(text)
    spans = [[s.start, s.end] for s in split_sentences(text)]
    for i in range(1, len(spans)):
        cursor = spans[i][0]
        for marker in markers:
            if marker.start == cursor and marker.end <= spans[i][1]:
                spans[i - 1][1] = marker.end
                cursor = marker.end
                while cursor < spans[i][1] and text[cursor].isspace():
                    cursor += 1
        spans[i][0] = cursor
    sentences = []
    for start, end in spans:
        if start >= end:
            continue
        sentences.append(Sentence(start, end, tuple(m for m in markers if start <= m.start and m.end <= end)))
    return sentences


def claim_text(text: str) -> str:
    """The words of a claim: markers, list bullets and markdown emphasis removed."""
    text = MARKER.sub(" ", text)
    text = "\n".join(_DECORATION.sub(" ", line) for line in text.splitlines())
    return re.sub(r"\s+", " ", text).strip()


def numbers(text: str) -> set[str]:
    """Numbers with thousands separators removed, so "2,000", "2.000" and "2000" meet."""
    return {n.replace(".", "").replace(",", "") for n in _NUMBER.findall(text)}


def is_instruction(sentence: str) -> bool:
    """Does a document sentence address the model with orders? Such sentences never support a claim."""
    return _INSTRUCTION.search(sentence) is not None


def says_not_found(sentence: str) -> bool:
    """Does the sentence say that the passages/documents do not hold (part of) the answer?"""
    words = claim_text(sentence)
    return _NOT_FOUND.search(words) is not None and _SOURCES.search(words) is not None
