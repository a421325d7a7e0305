"""Typed spans inside a sentence — dates, numbers with their unit, names — and the candidate spans a short
answer is chosen from. Pure: regular expressions over the sentence text; offsets are relative to it."""
from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_MONTH = "|".join(MONTHS_DE + MONTHS_EN + ("Jänner",))
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:{_MONTH})(?:\s+{_YEAR})?\b"  # 28. Februar 2023
    rf"|\b\d{{1,2}}\s(?:{_MONTH})(?:\s+{_YEAR})?\b"  # 28 February 2023
    rf"|\b(?:{_MONTH})\s\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*{_YEAR})?\b"  # February 28, 2023
    rf"|\b(?:{_MONTH})\s+{_YEAR}\b"  # Februar 2023
    rf"|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})?(?!\d)"  # 28.02.2023
    rf"|\b(?:\d{{1,2}}\.|frühen |späten |\d{{1,2}}th |early |late )?\d{{0,2}}\s?(?:Jahrhundert\w*|century|centuries)\b"
    rf"|\b{_YEAR}(?:er(?: Jahre\w*)?|s)?(?:\s?(?:[–-]|bis|to)\s?{_YEAR})?\b",  # 1992, 1990er, 1870–1939
)
_NUMBER_WORDS = (
    "eins|ein|eine|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|hundert|"
    "tausend|dutzend|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    "thousand|dozen"
)
_SCALE = r"(?:Millionen|Million|Milliarden|Milliarde|Mio\.?|Mrd\.?|Tausend|million|billion|thousand)"
_AMOUNT = rf"(?:\d+(?:[.,\u202f ]\d{{3}})*(?:,\d+|\.\d+)?|(?:{_NUMBER_WORDS})(?=\s))"
_NUMBER = re.compile(
    rf"(?<![\w.,]){_AMOUNT}(?:\s?(?:bis|und|to|and|–|-)\s?\d+(?:[.,]\d+)*)?(?:\s?{_SCALE})?"  # "0,3 bis 0,6 °C"
    rf"(?:\s?(?:%|Prozent|percent|per cent|€|\$|°C|°|mm|cm|kg|ha|Euro|Dollar|US-Dollar|Rubel|Pfund|km²|km|Kilometer\w*|Quadratkilometer\w*|"
    rf"Meter\w*|Meilen|miles?|kilometres?|kilometers?|metres?|meters?|Grad|degrees?|Tonnen|tons?|Stunden|hours?|Minuten|"
    rf"minutes?|Tage?n?|days?|Wochen|weeks?|Monate?n?|months?|Jahre?n?|years?|[A-ZÄÖÜ][a-zäöüß]+))?",
)
_COMPOUND_COUNT = re.compile(rf"\b(?:{_NUMBER_WORDS})(?:köpfig|fach|jährig|tägig|stündig|teilig)\w*", re.I)
_CAPITAL = re.compile(r"[A-ZÄÖÜ][\w’'\-.]*")
_INITIAL = re.compile(r"[A-ZÄÖÜ]\.")
# capitalised words that are rarely part of a name (sentence openers, articles, common German nouns come and go)
_NOT_NAME = frozenset("""Der Die Das Den Dem Des Ein Eine Einer Eines Im In Am An Auf Bei Mit Nach Von Vor Zu Zur Zum
Und Oder Aber Als Auch Es Er Sie Wir Ich Man Dies Diese Dieser Dieses Damit Dazu Dort Hier Heute The A An In On At
Of For And Or But It He She They We This That These Those There""".split())


@dataclass(frozen=True)
class Span:
    """[start, end) inside a sentence, with what kind of thing it is ("date", "number", "name" or "")."""

    start: int
    end: int
    kind: str = ""


def dates(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "date") for m in _DATE.finditer(text) if m.group().strip()]


def numbers(text: str) -> list[Span]:
    found = [Span(m.start(), m.end(), "number") for m in _NUMBER.finditer(text)]
    found += [Span(m.start(), m.end(), "number") for m in _COMPOUND_COUNT.finditer(text)]
    taken = dates(text)
    return [s for s in found if not any(d.start <= s.start and s.end <= d.end for d in taken)]


def names(text: str) -> list[Span]:
    """Runs of capitalised words (two or more, or one that does not open the sentence): names, places, bodies."""
    out: list[Span] = []
    run: list[tuple[int, int]] = []

    def close() -> None:
        if run and (len(run) >= 2 or text[: run[0][0]].strip()):
            out.append(Span(run[0][0], run[-1][1], "name"))
        run.clear()

    previous_end = 0
    for m in re.finditer(r"[^\s,;:()„“”\"«»!?]+", text):
        word = m.group().rstrip(".")
        if text[previous_end : m.start()].strip():  # punctuation between two words ends a name
            close()
        if _CAPITAL.fullmatch(word) and word not in _NOT_NAME:
            run.append((m.start(), m.start() + len(word)))
        else:
            close()
        if m.group().endswith(".") and not _INITIAL.fullmatch(m.group()):  # "Rajendra K. Pachauri" goes on
            close()
        previous_end = m.end()
    close()
    return out


_UNITS = {
    "distance": r"km|kilometer\w*|kilometres?|kilometers?|meilen|miles?|meter\w*|metres?|meters?",
    "money": r"€|\$|euro\w*|dollar\w*|us-dollar|rubel\w*|pfund|pounds?|roubles?|mio\.? euro|millionen euro",
    "percent": r"%|prozent|percent|per cent",
    "age": r"jahre?n?\s*alt|years? old|jährig\w*|lebensjahr\w*",
    "area": r"km²|quadrat\w*|hektar|square \w+|hectares?",
    "duration": r"jahre?n?|monate?n?|wochen|tage?n?|stunden|minuten|years?|months?|weeks?|days?|hours?|minutes?",
}


def has_unit(unit: str, text: str) -> bool:
    """Is there a number followed by the unit asked for ("5000 Kilometer" for "wie weit")?"""
    return re.search(rf"\d[\d.,]*\s?(?:{_UNITS[unit]})(?!\w)|\b(?:{_NUMBER_WORDS})\s(?:{_UNITS[unit]})(?!\w)", text, re.I) is not None


# ---------------------------------------------------------------- English rendering

_UNITS_EN = {
    "euro": "euros", "dollar": "dollars", "us-dollar": "US dollars", "rubel": "roubles", "pfund": "pounds",
    "prozent": "per cent", "kilometer": "kilometres", "kilometern": "kilometres", "meter": "metres", "metern": "metres",
    "meilen": "miles", "grad": "degrees", "tonnen": "tonnes", "stunden": "hours", "minuten": "minutes", "tage": "days",
    "tagen": "days", "tag": "day", "wochen": "weeks", "monate": "months", "monaten": "months", "jahre": "years",
    "jahren": "years", "jahr": "year", "einwohner": "inhabitants", "menschen": "people", "personen": "people",
    "millionen": "million", "million": "million", "milliarden": "billion", "milliarde": "billion", "mio": "million",
    "mio.": "million", "mrd": "billion", "mrd.": "billion", "tausend": "thousand", "quadratkilometer": "square kilometres",
}


def _english_number(digits: str) -> str:
    """German digits to English: "18.500" → "18,500", "3,5" → "3.5"; a bare year stays as it is."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", digits):
        return digits.replace(".", ",")
    if re.fullmatch(r"\d+,\d+", digits):
        return digits.replace(",", ".")
    if re.fullmatch(r"\d{5,}", digits):
        return f"{int(digits):,}"
    return digits


def english_rendering(text: str) -> str:
    """A German date or amount written the English way ("28. Februar 2023" → "28 February 2023",
    "18.500 Euro" → "18,500 euros"); names and other words stay as they stand."""
    out = re.sub(rf"\b(\d{{1,2}})\.\s?({_MONTH})\b", lambda m: f"{m.group(1)} {m.group(2)}", text)
    for de, en in zip(MONTHS_DE + ("Jänner",), MONTHS_EN + ("January",)):
        out = re.sub(rf"\b{de}\b", en, out)
    out = re.sub(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b",
                 lambda m: f"{int(m.group(1))} {MONTHS_EN[int(m.group(2)) - 1]} {m.group(3)}" if 1 <= int(m.group(2)) <= 12 else m.group(), out)
    out = re.sub(r"\d+(?:[.,]\d+)*", lambda m: _english_number(m.group()), out)
    return re.sub(r"(?<=\d )([\w.-]+)", lambda m: _UNITS_EN.get(m.group(1).lower(), m.group(1)), out)
