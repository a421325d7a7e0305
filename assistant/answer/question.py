"""What a question asks for: its kind (a date, a count, a person, a place, an overview …) and the words
that name its subject. Pure: regular expressions and the lexical tokenizer only."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexical import STOPWORDS, tokenize

KINDS = ("date", "count", "person", "place", "which", "what", "reason", "how", "yesno", "open", "other")
FACT_KINDS = frozenset({"date", "count", "person", "place", "which", "what"})

# The earliest match names the kind; at the same position the order decides ("wie viele" before "wie", "which city"
# before "which").
_KIND_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("open", r"^\s*(erzähl\w*|erkläre?|beschreib\w*|fass\w* .{0,40}zusammen|zusammenfassung|was weißt du|was wissen wir|"
                 r"gib mir einen überblick|überblick|informationen? (über|zu)|tell me|summari[sz]e|summary|describe|"
                 r"give me an overview|overview|what do you know|explain)\b"),
        ("date", r"\b(wann|seit wann|bis wann|in welchem jahr|welchem jahr|welches jahr|welchem datum|welchem monat|"
                 r"an welchem tag|zu welcher zeit|when|since when|until when|what year|which year|what date|which date|"
                 r"what month|which month|what day|what time|how long ago|in what year|in which year)\b"),
        ("count", r"\b(wie viele?|wieviele?|wie hoch|wie groß|wie lang|wie weit|wie alt|wie schwer|anzahl|how many|how much|"
                  r"how high|how big|how large|how long|how far|how old|how heavy|number of|what percentage|wie viel prozent|"
                  r"welche[rnms]? (?:prozentsatz|anteil)|what (?:proportion|share|percent))\b"),
        ("person", r"\b(wer|wem|wen|wessen|welche person|welcher person|who|whom|whose|which person)\b"),
        ("place", r"\b(wo|wohin|woher|in welche[mr]? (stadt|land|region|ort|gebiet|staat)|welche stadt|welches land|"
                  r"where|in which (city|country|region|place|state)|what (city|country|region|place)|which (city|country|region))\b"),
        ("reason", r"\b(warum|weshalb|wieso|weswegen|aus welchem grund|why|for what reason)\b"),
        ("which", r"\b(welche[mnrs]?|which|what kind of|what type of|was für)\b"),
        ("yesno", r"^\s*(ist|sind|war|waren|hat|haben|hatte|gibt es|kann|können|wird|werden|liegt|liegen|gab es|"
                  r"is|are|were|does|do|did|has|have|had|can|could|will|would|should)\b"),
        ("what", r"\b(what|wie (heißt|hieß|lautet|lautete|nennt|nannte)|what is the name|called)\b"),
        ("how", r"^\s*(wie|how|auf welche weise|in what way)\b"),
    )
)
_FUNCTION = frozenset(
    """wer wem wen wessen was wann wo wohin woher warum weshalb wieso wie viele viel welche welcher welches welchem
    welchen seit gibt gab es ist sind war waren hat haben wurde wurden the a an who whom whose what when where why how
    which many much does do did is are was were has have had kind type name called heißt lautet erzähl tell me about
    über zu weißt du know summarise summarize overview dokumente documents say sagen""".split()
)
# the word after "wie viele/how many" is what is counted: "Wie viele Einwohner …" needs a sentence about inhabitants
_COUNTED = re.compile(r"\b(?:wie viele?|wieviele?|how many|how much|anzahl (?:der|an)|number of)\s+(\w+)", re.I)


@dataclass(frozen=True)
class QuestionInfo:
    kind: str
    terms: tuple[str, ...]  # stemmed content terms, question words removed
    counted: str | None  # stemmed term of what a count question counts
    keywords: tuple[str, ...] = ()  # names and numbers as written (lower case): they match across languages
    unit: str | None = None  # "distance", "money", "percent", "age", "area", "duration" when the question asks for one
    words: tuple[str, ...] = ()  # content words as written (lower case), for the English→German dictionary


# German "was" asks "what" wherever it stands ("Der Westen sah den Osten als was?"); in an English question it is a verb
_GERMAN_WAS = re.compile(r"\bwas\b", re.I)
_WHAT_ORDER = [kind for kind, _ in _KIND_PATTERNS].index("what")


def question_kind(question: str, language: str = "de") -> str:
    """The kind named by the question word that comes first ("Was macht Doctor Who, wenn …" asks "was", not "who");
    where two patterns start at the same word, the more specific one listed first wins ("wie viele" over "wie")."""
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_KIND_PATTERNS)
             if (m := pattern.search(question))]
    if language != "en" and (m := _GERMAN_WAS.search(question)):
        found.append((m.start(), _WHAT_ORDER, "what"))
    return min(found)[2] if found else "other"


def analyse(question: str, language: str = "de") -> QuestionInfo:
    words = [w for w in re.findall(r"\w+", question) if w.lower() not in _FUNCTION]
    counted = _COUNTED.search(question)
    counted_terms = tokenize(counted.group(1)) if counted else []
    return QuestionInfo(question_kind(question, language), tuple(dict.fromkeys(tokenize(" ".join(words)))),
                        counted_terms[0] if counted_terms else None, keywords(question), unit_asked(question),
                        tuple(dict.fromkeys(w.lower() for w in words if w.lower() not in STOPWORDS and not w.isdigit())))


_UNIT_QUESTIONS = tuple((unit, re.compile(p, re.I)) for unit, p in (
    ("distance", r"\b(wie weit|wie lang ist|entfernung|entfernt|distance|how far|how long is|kilometer|km|meilen|miles)\b"),
    ("money", r"\b(wie viel (geld|kostet|kosten|kostete)|kosten|kostet|preis|euro|dollar|budget|how much (money|did|does|do|was|is|were)|cost|price|funding)\b"),
    ("percent", r"\b(prozent\w*|anteil|percent|percentage|share|proportion)\b"),
    ("age", r"\b(wie alt|how old|alter)\b"),
    ("area", r"\b(wie groß ist die fläche|fläche|area|square)\b"),
    ("duration", r"\b(wie lange|how long|dauer|duration)\b"),
))


def unit_asked(question: str) -> str | None:
    """A measure a count question asks for: a number with another unit ("alle 3 bis 4 Jahre") does not answer "how far"."""
    for unit, pattern in _UNIT_QUESTIONS:
        if pattern.search(question):
            return unit
    return None


def keywords(question: str) -> tuple[str, ...]:
    """Capitalised words after the first, and numbers: "Thomas Geisel", "1992", "Moskau"."""
    found = re.findall(r"(?<=\s)[A-ZÄÖÜ][\w\-]+|\d[\d.,]*\d|\d", question)
    return tuple(dict.fromkeys(w.lower() for w in found if w.lower() not in _FUNCTION))


def is_fact_question(kind: str) -> bool:
    return kind in FACT_KINDS


def names_own_subject(question: str) -> bool:
    """Does the question carry its own subject ("Welche Städtepartnerschaften gibt es mit der Ukraine?")?
    Such a question is never read together with the previous one, whatever pronoun it contains."""
    return len(analyse(question).terms) >= 2
