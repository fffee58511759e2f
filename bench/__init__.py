"""Benchmarks: run with ``python -m bench.crawl`` and ``python -m bench.extraction``."""
