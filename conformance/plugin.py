"""pytest wiring for the conformance suite."""
