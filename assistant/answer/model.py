"""The fitted answer model: two scorers (sentence answers? question answerable?), the per-language answerability
thresholds and the per-kind short-answer thresholds for the reader's span confidence, read from a JSON file that
`scripts/train_answerer.py` writes. Pure numpy; no pickle anywhere. The readers (reader/) are fitted apart: the
judge (is the answer in this sentence?) by `scripts/train_judge.py`, the span reader by `scripts/train_reader.py`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_FILE = Path(__file__).with_name("answer_model.json")


@dataclass(frozen=True)
class Logistic:
    """logit = ((x - mean) / scale) · coef + intercept, with the feature names it was fitted on."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        x = (np.asarray(rows, dtype=np.float64) - self.mean) / self.scale
        return x @ self.coef + self.intercept

    def to_json(self) -> dict:
        return {"features": list(self.names), "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(), "intercept": round(float(self.intercept), 6)}

    @classmethod
    def from_json(cls, data: dict) -> "Logistic":
        return cls(tuple(data["features"]), np.asarray(data["mean"]), np.asarray(data["scale"]),
                   np.asarray(data["coef"]), float(data["intercept"]))


@dataclass(frozen=True)
class Trees:
    """A boosted tree ensemble (fitted by scikit-learn's HistGradientBoostingClassifier): logit = base + Σ leaf values.

    Each tree is stored as parallel lists (feature, threshold, left, right, value, leaf); rows go left when
    `x[feature] <= threshold`. All trees walk at once, one level per step (leaves point to themselves), so 120
    trees cost a dozen numpy steps instead of one loop per tree."""

    names: tuple[str, ...]
    base: float
    trees: tuple[tuple[np.ndarray, ...], ...]

    @cached_property
    def _packed(self) -> tuple[np.ndarray, ...]:
        """The trees padded to one [tree, node] array per field; a leaf's children are itself."""
        width = max(len(t[0]) for t in self.trees)

        def field(i: int, fill, dtype) -> np.ndarray:
            out = np.full((len(self.trees), width), fill, dtype=dtype)
            for k, tree in enumerate(self.trees):
                out[k, : len(tree[i])] = tree[i]
            return out

        feature, threshold, value = field(0, 0, np.int64), field(1, 0.0, np.float64), field(4, 0.0, np.float64)
        leaf = field(5, True, bool)
        own = np.broadcast_to(np.arange(width), leaf.shape)
        left, right = np.where(leaf, own, field(2, 0, np.int64)), np.where(leaf, own, field(3, 0, np.int64))
        return feature, threshold, left, right, value, leaf

    def logits(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        x = np.asarray(rows, dtype=np.float64)
        feature, threshold, left, right, value, leaf = self._packed
        tree = np.arange(len(self.trees))[None, :]
        row = np.arange(len(x))[:, None]
        node = np.zeros((len(x), len(self.trees)), dtype=np.int64)
        while not leaf[tree, node].all():
            goes_left = x[row, feature[tree, node]] <= threshold[tree, node]
            node = np.where(goes_left, left[tree, node], right[tree, node])
        return self.base + value[tree, node].sum(axis=1)

    def to_json(self) -> dict:
        return {"features": list(self.names), "base": round(self.base, 6), "trees": [
            {"feature": f.tolist(), "threshold": [round(float(v), 6) for v in t], "left": lf.tolist(), "right": r.tolist(),
             "value": [round(float(v), 6) for v in val], "leaf": [int(b) for b in leaf]}
            for f, t, lf, r, val, leaf in self.trees]}

    @classmethod
    def from_json(cls, data: dict) -> "Trees":
        trees = tuple(
            (np.asarray(t["feature"], dtype=np.int64), np.asarray(t["threshold"], dtype=np.float64), np.asarray(t["left"], dtype=np.int64),
             np.asarray(t["right"], dtype=np.int64), np.asarray(t["value"], dtype=np.float64), np.asarray(t["leaf"], dtype=bool))
            for t in data["trees"])
        return cls(tuple(data["features"]), float(data["base"]), trees)


def scorer_from_json(data: dict) -> Logistic | Trees:
    return Trees.from_json(data) if "trees" in data else Logistic.from_json(data)


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic | Trees
    question: Logistic
    answerable_threshold: dict[str, float]  # P(answerable) below which we say "not in the documents", per language
    span_threshold: dict[str, float]  # per question kind with short answers: reader confidence from which one is shown
    second_quote_margin: float  # a second quote is added when its logit is this close to the best one
    reader: object = field(default=None, compare=False)  # reader.Reader; None: the shipped one, loaded when first needed
    judge: object = field(default=None, compare=False)  # reader.Reader with no_answer; None: the shipped judge

    def to_json(self) -> dict:
        return {"sentence": self.sentence.to_json(), "question": self.question.to_json(),
                "answerable_threshold": self.answerable_threshold, "span_threshold": self.span_threshold,
                "second_quote_margin": self.second_quote_margin}

    @classmethod
    def from_json(cls, data: dict) -> "AnswerModel":
        return cls(scorer_from_json(data["sentence"]), Logistic.from_json(data["question"]),
                   dict(data["answerable_threshold"]), {k: float(v) for k, v in data["span_threshold"].items()},
                   float(data["second_quote_margin"]))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> AnswerModel:
    """The committed parameters; checked against the feature names this code computes."""
    from .features import QUESTION_FEATURES, SENTENCE_FEATURES

    model = AnswerModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    for part, names in ((model.sentence, SENTENCE_FEATURES), (model.question, QUESTION_FEATURES)):
        if part.names != tuple(names):
            raise ValueError(f"{path} was fitted on other features; run scripts/train_answerer.py")
    return model
