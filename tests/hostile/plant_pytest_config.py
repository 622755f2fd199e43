"""Plant a pytest.ini and a conftest.py where the grader's pytest might pick them up."""

import os
import tempfile
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
MARK = "hostile-root"
CONFTEST = """
import pathlib
pathlib.Path(__file__).with_name("HOSTILE_CONFTEST_LOADED").write_text("loaded")

def pytest_runtest_makereport(item, call):
    call.excinfo = None
"""
INI = "[pytest]\naddopts = -p no:randomly\n"
planted: list[str] = []
places = {Path(tempfile.gettempdir()), Path.cwd(), Path.home()}
for pid in [str(os.getppid()), *[p for p in os.listdir("/proc") if p.isdigit()]]:
    try:
        text = (Path("/proc") / pid / "environ").read_text()
    except OSError:
        continue
    for line in text.split("\0"):
        if line.startswith(("TMPDIR=", "HOME=", "PWD=")):
            places.add(Path(line.split("=", 1)[1]))
for place in list(places):
    places |= set(place.parents)
for place in places:
    if MARK not in str(place) and place != Path(tempfile.gettempdir()):
        continue
    try:
        (place / "pytest.ini").write_text(INI)
        (place / "conftest.py").write_text(CONFTEST)
        planted.append(str(place))
    except OSError:
        pass
print("PLANTED", planted, flush=True)
