"""A submission that cannot start: it fails while being imported."""

from fastapi import FastAPI

app = FastAPI()

raise RuntimeError("student bug: the database password is missing")
