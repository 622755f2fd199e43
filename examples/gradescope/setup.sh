#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Zip this folder's files (setup.sh, run_autograder, and optionally rubric.toml and the
# conformance project as fastapi-lecture-conformance/) and upload the zip as the autograder.
set -euo pipefail

apt-get install -y python3 python3-venv python3-pip
python3 -m venv /autograder/venv
if [ -d /autograder/source/fastapi-lecture-conformance ]; then
    /autograder/venv/bin/pip install /autograder/source/fastapi-lecture-conformance
else
    # Pin the course's release, so every submission is graded alike.
    /autograder/venv/bin/pip install \
        "fastapi-lecture-conformance @ git+https://github.com/YOUR-COURSE/fastapi-lecture-conformance@v0.1.0"
fi
