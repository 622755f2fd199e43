"""Overwrite the other submissions, the reports and the grader's site-packages (.pth)."""

import os
import site
import sys
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
done: list[str] = []
MARK = "hostile-root"  # destructive only inside the test's temporary root
EVIL = "from fastapi import FastAPI\napp = FastAPI()\n"
PTH = "import os; os.environ.setdefault('HOSTILE_PTH_RAN', '1')\n"


def write(path: Path, text: str) -> None:
    try:
        if MARK not in str(path.resolve()):
            return
        path.write_text(text)
        done.append(str(path))
    except OSError:
        pass


for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        argv = (Path("/proc") / pid / "cmdline").read_bytes().split(b"\0")
    except OSError:
        continue
    for arg in map(os.fsdecode, argv):
        path = Path(arg)
        try:
            if arg.endswith(".py") and path.is_file():
                write(path, EVIL)
            if path.is_dir():  # --reports DIR, --app-dir DIR
                for found in list(path.glob("*.json")) + list(path.glob("*/app.py")):
                    write(found, EVIL)
            if arg.endswith(".csv"):
                write(path, "submission,score\nall,100\n")
        except OSError:
            pass
here = Path(__file__).resolve().parent
for sibling in [*here.parent.glob("*/app.py"), *here.parent.parent.glob("*/*/app.py")]:
    write(sibling, EVIL)
for folder in {*sys.path, *site.getsitepackages()}:
    if folder.endswith("site-packages"):
        write(Path(folder) / "zz_hostile.pth", PTH)
print("TAMPERED", done, flush=True)


@app.get("/")
async def root() -> dict[str, object]:
    return {"message": done}
