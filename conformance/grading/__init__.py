"""Grading: points per test group, score tables and reports, and the `conformance grade` command."""
