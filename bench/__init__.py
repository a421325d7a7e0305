"""Benchmarks for Quellenchat: retrieval/answer quality against simpler pipelines, and speed/memory at 1k-100k chunks.

Programs, not tests: `python -m bench` (or `make bench`) writes bench/results.json and prints the README tables.
They read ../shared/eval (XQuAD, seed questions, 10kGNAD) beside the repository.
"""
