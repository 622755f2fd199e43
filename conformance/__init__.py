"""Conformance suite for the FastAPI lecture (Lecture 17): ex1 and ex2, as a pytest plugin."""

EXERCISES = ("ex1", "ex2")

__all__ = ["EXERCISES"]
