"""German compound splitting with a vocabulary learned from the indexed corpus (pure functions).

lexical.py maps each part of the corpus's compounds to the compounds holding it ("partnerschaft" ->
"städtepartnerschaft", "schulpartnerschaft"; "klimaschutz" -> "klimaschutzprojekt"), so the query word
"Partnerschaft" finds "Städtepartnerschaft" (at a share of its score, see lexical.PART_WEIGHT). A split is
made only where the head is a word the corpus itself uses on its own (so domain words count, and nothing is split at
a syllable a dictionary happens to know), the modifier keeps MIN_PART letters after dropping a linking element
(Fugen-s, -n, -en, -es, -e), and parts are split again. Why not a packaged splitter: the maintained ones on PyPI are
GPL (compound-split/CharSplit) or unmaintained, and carry a general-language model; the corpus knows its own words.
"""
from __future__ import annotations

from collections.abc import Iterable

MIN_PART = 4  # shorter heads/modifiers ("ver", "amt") split too many ordinary words
MIN_WORD = 2 * MIN_PART + 1
LINKS = ("es", "en", "ns", "s", "n", "e")  # Fugenelemente, longest first ("-er" left out: "Bürger" is no "Bürg"+er)


def vocabulary(words: Iterable[str], min_count: int = 1) -> frozenset[str]:
    """Lower-cased alphabetic words of at least MIN_PART letters seen `min_count` times or more."""
    counts: dict[str, int] = {}
    for w in words:
        if len(w) >= MIN_PART and w.isalpha():
            counts[w] = counts.get(w, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= min_count)


def split(word: str, known: frozenset[str], _depth: int = 0) -> list[str]:
    """The parts of a lower-case compound, longest known head first; [] when it is not one (or not splittable).

    split("städtepartnerschaft") -> ["partnerschaft", "städte", "städt"]: the head, the modifier as written,
    and the modifier without its linking element when that differs (stemming then unifies "städte"/"stadt")."""
    if len(word) < MIN_WORD or _depth > 3 or not word.isalpha():
        return []
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):  # shortest modifier first = longest head first
        head, modifier = word[cut:], word[:cut]
        if head not in known:
            continue
        parts = [head, modifier]
        bare = _without_link(modifier)
        if bare != modifier:
            parts.append(bare)
        for part in (modifier, bare, head):
            parts += split(part, known, _depth + 1)
        return list(dict.fromkeys(p for p in parts if len(p) >= MIN_PART))
    return []


def _without_link(modifier: str) -> str:
    for link in LINKS:
        if modifier.endswith(link) and len(modifier) - len(link) >= MIN_PART:
            return modifier[: -len(link)]
    return modifier
