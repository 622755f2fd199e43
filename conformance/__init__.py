"""Conformance suite for the FastAPI lecture (Lecture 17), as a pytest plugin.

The exercises it knows (ex1, ex2, and any a plugin registers) are in :mod:`conformance.registry`.
"""
