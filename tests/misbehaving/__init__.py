"""Misbehaving servers for the grading and resilience tests: each binds 127.0.0.1 only."""
