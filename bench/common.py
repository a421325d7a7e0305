"""Small helpers shared by the benchmark stages: paths, default settings, timing, subprocess JSON."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent


class BenchError(SystemExit):
    """A problem the user must fix before the benchmark can run (printed as one line, exit code 2)."""

    def __init__(self, message: str) -> None:
        sys.stderr.write(f"bench: {message}\n")
        super().__init__(2)
        self.message = message


def eval_dir(explicit: str | None = None) -> Path:
    """../shared/eval beside the repository (or --eval DIR); refuses clearly when it is missing."""
    folder = Path(explicit) if explicit else ROOT.parent / "shared" / "eval"
    needed = ["xquad/paragraphs.jsonl", "xquad/questions.jsonl", "seeds/questions.jsonl", "gnad/test.csv"]
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing:
        raise BenchError(
            f"evaluation data not found: {', '.join(str(folder / n) for n in missing)}. The benchmarks read XQuAD, "
            "the seed questions and 10kGNAD from ../shared/eval beside the repository (or pass --eval DIR)."
        )
    return folder


def seed_docs_dir(evaluation: Path) -> Path:
    """The five seed documents the seed questions are about: ../shared/corpus, else the repo's documents/."""
    corpus = evaluation.parent / "corpus"
    return corpus if corpus.is_dir() and any(corpus.iterdir()) else ROOT / "documents"


def default_settings():
    """The product's defaults (pyproject [tool.assistant] included), ignoring this shell's ASSISTANT_* variables."""
    from assistant.config import load_settings

    return load_settings({}, env={}, pyproject=ROOT / "pyproject.toml")


def new_assistant(docs: Path, index: Path):
    from assistant.cli import make_assistant

    return make_assistant(default_settings(), Path(docs), Path(index))


def chunk_params():
    from assistant.index import ChunkParams

    s = default_settings()
    return ChunkParams(s.sentences_per_chunk, s.chunk_overlap)


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Timer:
    """Wall and process-CPU seconds of a block (CPU counts all threads, so CPU/wall shows the cores used)."""

    def __enter__(self) -> "Timer":
        self.wall0, self.cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = cpu_seconds() - self.cpu0


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): with 40 samples p95 is the 38th smallest."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return float(ordered[rank - 1])


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def mb(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def run_json(module: str, args: Sequence[str], timeout: float = 3600) -> dict:
    """Run `python -m module args` in a fresh process (own memory peak) and parse the JSON it prints last."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()
