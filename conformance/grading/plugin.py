"""pytest hooks for grading (score table, --grade-report). Loaded by conformance.plugin."""
