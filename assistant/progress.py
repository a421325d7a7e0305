"""Terminal progress bars for index builds (tqdm): one bar per stage ("files", "chunks") with rate and ETA."""
from __future__ import annotations

import sys
from typing import TextIO

UNITS = {"files": "file", "chunks": "chunk"}


class ProgressBars:
    """A `Progress` callback (stage, done, total) that draws tqdm bars on stderr; a stage's bar closes when done."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is not None and bar.total != total:
            bar.close()
            bar = None
        if bar is None:
            if total == 0:
                return
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit=UNITS.get(stage, "item"), file=self._stream,
                                           dynamic_ncols=True, mininterval=0.2, leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            del self._bars[stage]

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
