"""The teacher's program: `conformance grade`, `merge`, `collect`, `student-pages`."""
