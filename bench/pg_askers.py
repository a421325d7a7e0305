"""Concurrent askers for bench/pg_speed.py: N real processes, each with its own Assistant (as N app processes
behind a load balancer would be), warmed up, then released together; each reports its latencies.

    python -m bench.pg_askers --docs D (--index I | --database-url U --collection C) --questions Q.json --askers 8
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from .common import ROOT, median, ms, percentile


def worker(args: argparse.Namespace) -> int:
    import dataclasses

    from assistant.cli import make_assistant

    from .common import default_settings

    settings = dataclasses.replace(default_settings(), database_url=args.database_url or "", collection=args.collection or "default")
    assistant = make_assistant(settings, args.docs, args.index or "unused-index")
    questions = json.loads(open(args.questions, encoding="utf-8").read())
    for q in questions[:3]:  # model, caches, connections
        assistant.ask(q)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    latencies, started = [], time.perf_counter()
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        latencies.append(time.perf_counter() - t)
    sys.stdout.write(json.dumps({"latencies": latencies, "start": started, "end": time.perf_counter()}) + "\n")
    return 0


def run_askers(askers: int, docs, questions_file, index=None, database_url=None, collection=None) -> dict:
    """Start `askers` worker processes, release them together, and summarise latency and throughput."""
    base = [sys.executable, "-m", "bench.pg_askers", "--worker", "--docs", str(docs), "--questions", str(questions_file)]
    base += ["--index", str(index)] if index else ["--database-url", database_url, "--collection", collection]
    procs = [subprocess.Popen(base, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(askers)]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("an asker failed to start")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = [json.loads(p.communicate(timeout=3600)[0].strip().splitlines()[-1]) for p in procs]
    latencies = [x for r in reports for x in r["latencies"]]
    span = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return {"askers": askers, "questions": len(latencies), "p50_ms": ms(median(latencies)),
            "p95_ms": ms(percentile(latencies, 95)), "questions_per_s": round(len(latencies) / span, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench.pg_askers")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--docs", required=True)
    parser.add_argument("--index")
    parser.add_argument("--database-url")
    parser.add_argument("--collection")
    parser.add_argument("--questions", required=True)
    parser.add_argument("--askers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    print(json.dumps(run_askers(args.askers, args.docs, args.questions, args.index, args.database_url, args.collection)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
