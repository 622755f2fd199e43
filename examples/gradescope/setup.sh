#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image from the zip
# (unpacked in /autograder/source). It installs the conformance suite in /autograder/venv on
# a Python 3.11 or newer: the image's own when it has one, else one that uv downloads
# (Gradescope's default image, Ubuntu 22.04, has Python 3.10). It needs no apt-get.
#
# The zip: setup.sh, run_autograder, settings.conf (the exercise: edit it first), optionally
# rubric.toml and the conformance project itself as a folder fastapi-lecture-conformance/
# (then its constraints.txt pins every dependency). AUTOGRADER_ROOT (default /autograder)
# is for trying this elsewhere; the project's tests run it so.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
PYTHON_VERSION=3.12 # what uv installs when the image has no Python 3.11 or newer
export UV_PYTHON_INSTALL_DIR="$ROOT/python" UV_NO_PROGRESS=1

say() { echo "setup.sh: $*" >&2; }
fail() {
    say "$*"
    exit 1
}
setting() { # the value of "NAME=value" in settings.conf (its last such line)
    sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$SOURCE/settings.conf" |
        tail -n 1 | sed 's/[[:space:]]*$//'
}

[ -f "$SOURCE/settings.conf" ] || fail "no settings.conf in the zip (it names the exercise)"
EXERCISE="$(setting EXERCISE)"
[ -n "$EXERCISE" ] || fail "settings.conf names no exercise: add a line EXERCISE=ex1 (or ex2)"

# 1. uv, into $ROOT/uv: with the image's pip, else with uv's own installer.
UV="$ROOT/uv/bin/uv"
if [ ! -x "$UV" ]; then
    if python3 -m pip --version >/dev/null 2>&1; then
        python3 -m pip install --quiet --disable-pip-version-check --target "$ROOT/uv" uv ||
            fail "could not install uv with pip (is PyPI reachable?)"
    elif command -v curl >/dev/null; then
        curl -LsSf https://astral.sh/uv/install.sh |
            env UV_INSTALL_DIR="$ROOT/uv/bin" UV_NO_MODIFY_PATH=1 sh ||
            fail "could not install uv with its installer (is astral.sh reachable?)"
    else
        fail "neither pip nor curl is on this image to install uv with"
    fi
fi

# 2. Python 3.11 or newer.
if PYTHON="$("$UV" python find --system --no-project '>=3.11' 2>/dev/null)"; then
    say "using $("$PYTHON" --version 2>&1) at $PYTHON"
else
    have="$(python3 --version 2>&1 || echo "no python3")"
    say "this image has $have; the suite needs Python 3.11 or newer: installing $PYTHON_VERSION"
    "$UV" python install --no-bin "$PYTHON_VERSION" ||
        fail "could not install Python $PYTHON_VERSION (uv downloads it from GitHub:" \
            "is the internet reachable?); or pick a base image with Python 3.11+ (Ubuntu 24.04)"
    PYTHON="$("$UV" python find --system --no-project "$PYTHON_VERSION")"
fi

# 3. The suite, in its own virtual environment.
rm -rf "$VENV"
"$UV" venv --quiet --python "$PYTHON" "$VENV"
install=("$UV" pip install --quiet --python "$VENV/bin/python")
PROJECT="$SOURCE/fastapi-lecture-conformance"
if [ -d "$PROJECT" ]; then
    if [ -f "$PROJECT/constraints.txt" ]; then
        install+=(--constraints "$PROJECT/constraints.txt")
    fi
    "${install[@]}" "$PROJECT" || fail "could not install the suite from $PROJECT"
else
    SPEC="$(setting CONFORMANCE)"
    [ -n "$SPEC" ] || fail "settings.conf names no CONFORMANCE to install, and the zip holds none"
    "${install[@]}" "$SPEC" || fail "could not install the suite from $SPEC (settings.conf)"
fi
# hypothesis' Unicode tables and the compiled suite, once here rather than in every
# submission's suite (~3 CPU s each)
"$VENV/bin/conformance" prepare >&2 ||
    say "conformance prepare failed: each suite computes what it needs, slower"
# the students' servers run under other users: they need to read the interpreter
chmod -R a+rX "$VENV" "$UV_PYTHON_INSTALL_DIR" 2>/dev/null || true

# 4. Check what was built, so that a mistake fails here and not on every submission.
"$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    fail "$VENV has $("$VENV/bin/python" --version 2>&1); the suite needs Python 3.11 or newer"
known="$("$VENV/bin/python" -c 'from conformance import registry; print(*registry.names())')" ||
    fail "the suite does not import in $VENV"
case " $known " in
*" $EXERCISE "*) ;;
*) fail "settings.conf: EXERCISE=$EXERCISE is not an exercise of the suite ($known)" ;;
esac
say "ready: $("$VENV/bin/python" --version 2>&1), the conformance suite, exercise $EXERCISE"
