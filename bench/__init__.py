"""Benchmarks: standalone scripts, run all together by ``bench/run.py``. Not tests."""
