"""`python -m bench` (what `make bench` runs): quality and speed, written to bench/results.json.

    python -m bench                        # quality + speed at 1k, 10k and 100k chunks (~10 min on 2 cores)
    python -m bench --sizes 1k,10k         # fewer sizes
    python -m bench --repeats 3 --questions 40
    python -m bench --skip-quality         # speed only (quality results of the last run are kept)
    python -m bench --skip-quality --skip-speed   # only OCR and native-vs-shipped engine (~5 min at --repeats 3)
    python -m bench --tables               # print the README tables from bench/results.json
    python -m bench --backend postgres [--sizes 100k,1m] [--database-url URL]
                                           # the PostgreSQL store at scale, folder store at 100k beside it
                                           # (a throwaway server unless --database-url); bench/results-postgres.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import ROOT, BenchError, Timer, eval_dir, log


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1k,10k,100k", help="comma-separated chunk counts: ≤5k real articles, cold; larger recombined")
    parser.add_argument("--100k", dest="with_100k", action="store_true", help="make sure 100k is among --sizes")
    parser.add_argument("--repeats", type=int, default=3, help="repeats for warm builds, add-one and engine runs (medians)")
    parser.add_argument("--questions", type=int, default=40, help="questions per latency run")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-engine", action="store_true", help="skip the embedding-engine-only runs")
    parser.add_argument("--skip-documents", action="store_true", help="skip OCR and the native-vs-shipped engine indexing runs")
    parser.add_argument("--pool-articles", type=int, default=None, help="articles whose sentences build the large corpora")
    parser.add_argument("--eval", dest="eval_dir", help="evaluation data (default ../shared/eval)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work", help="scratch folder (kept: sentence-pool vectors)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--tables", action="store_true", help="only print the tables of --out")
    parser.add_argument("--backend", choices=["folder", "postgres"], default="folder")
    parser.add_argument("--database-url", help="PostgreSQL server for --backend postgres (databases qc_bench_* are created)")
    parser.add_argument("--reuse-loaded", action="store_true", help="--backend postgres: measure a size an earlier run "
                        "loaded into --database-url again instead of reloading it (its load numbers are kept)")
    parser.add_argument("--load-deadline", help="--backend postgres: HH:MM UTC after which no further load batch starts "
                        "(the run measures the size reached)")
    args = parser.parse_args(argv)
    if args.backend == "postgres":
        return _postgres(args, argv)

    from .report import render

    if args.tables:
        if not args.out.is_file():
            raise BenchError(f"{args.out} not found; run `python -m bench` first")
        sys.stdout.write(render(json.loads(args.out.read_text(encoding="utf-8"))))
        return 0
    evaluation = eval_dir(args.eval_dir)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.with_100k and "100k" not in sizes:
        sizes.append("100k")
    args.work.mkdir(parents=True, exist_ok=True)

    from .machine import load_average, machine_facts

    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results = {"machine": machine_facts(), "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    with Timer() as total:
        if not args.skip_quality:
            from .quality import run_quality

            results["quality"] = run_quality(evaluation, args.work)
        elif previous.get("quality"):
            results["quality"] = carried(previous, "quality")
        if not args.skip_speed:
            from .speed import run_speed

            results["speed"] = run_speed(evaluation, args.work, sizes, args.repeats, args.questions,
                                         engine=not args.skip_engine, pool_articles=args.pool_articles)
        elif previous.get("speed"):
            results["speed"] = carried(previous, "speed")
        if not args.skip_documents:  # issue 11: OCR accuracy and s/page; cold chunks/s, native vs shipped engine
            from .native import run_engines
            from .ocr import run_ocr

            results["documents"] = {"ocr": run_ocr(), "engines": run_engines(evaluation, rounds=args.repeats)}
        elif previous.get("documents"):
            results["documents"] = carried(previous, "documents")
    results["machine"]["load_average_at_end"] = load_average()
    results["seconds"] = round(total.wall, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {args.out} ({total.wall / 60:.1f} min)")
    sys.stdout.write(render(results))
    return 0


def carried(previous: dict, part: str) -> dict:
    """A part of the last run kept as it was, dated by the run that measured it (not by the run that kept it)."""
    return {"from_earlier_run": previous.get("machine", {}).get("started_utc")} | previous[part]


def _postgres(args, argv) -> int:
    from .pg_speed import run_pg_speed

    evaluation = eval_dir(args.eval_dir)
    sizes = [s.strip() for s in (args.sizes if args.sizes != "1k,10k,100k" else "100k").split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    out = args.out if args.out != ROOT / "bench" / "results.json" else ROOT / "bench" / "results-postgres.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    from .machine import machine_facts

    with Timer() as total:
        speed = run_pg_speed(evaluation, args.work, sizes, args.questions, args.database_url, reuse=args.reuse_loaded,
                             deadline=_utc_today(args.load_deadline) if args.load_deadline else None)
    results = {**previous, "machine": machine_facts(), **speed, "seconds": round(total.wall, 1),
               "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {out} ({total.wall / 60:.1f} min)")
    return 0


def _utc_today(hh_mm: str) -> float:
    """'14:30' -> that time today (UTC) in epoch seconds."""
    import calendar
    import time

    day = time.strftime("%Y-%m-%d", time.gmtime())
    return calendar.timegm(time.strptime(f"{day} {hh_mm}", "%Y-%m-%d %H:%M"))


if __name__ == "__main__":
    sys.exit(main())
