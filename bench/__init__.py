"""Benchmarks of the conformance suite and the reference apps: ``python -m bench.run_all``."""
