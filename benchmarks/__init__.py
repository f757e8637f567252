"""Benchmarks of Callwatch: the cost of a poll, measured. Run with `scripts/bench`."""
