"""Hypothesis settings profiles for the suite. Loaded by conformance.plugin."""
