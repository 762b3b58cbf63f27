"""Benchmarks: run by hand (`python -m tests.benchmarks.large_bank`), never by the test suite."""
