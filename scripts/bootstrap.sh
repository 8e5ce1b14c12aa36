#!/usr/bin/env bash
# Install everything the project needs on a fresh machine with Python 3.11 and pip.
#   scripts/bootstrap.sh          Python environment (.venv) from uv.lock
#   scripts/bootstrap.sh --test   and Debian's Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

if ! command -v uv >/dev/null 2>&1; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
UV=$(command -v uv || echo "$("$PYTHON" -m site --user-base)/bin/uv")
"$UV" sync --frozen --quiet --python "$PYTHON"

if [[ "${1:-}" == "--test" ]]; then
    # The browser tests drive Debian's Chromium (Playwright's own browser download cannot work
    # offline); CJK fonts so that pages and screenshots show Chinese.
    if [[ ! -x /usr/bin/chromium ]]; then
        SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
    fi
fi
