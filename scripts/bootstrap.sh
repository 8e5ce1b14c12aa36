#!/usr/bin/env bash
# Install everything the project needs on a fresh machine with Python 3.11 and pip.
#   scripts/bootstrap.sh          Python environment (.venv) from uv.lock
#   scripts/bootstrap.sh --spark  and a Java runtime for the Spark engine (huitoukan check --engine spark)
#   scripts/bootstrap.sh --test   and Java, and Debian's Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

if ! command -v uv >/dev/null 2>&1; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
UV=$(command -v uv || echo "$("$PYTHON" -m site --user-base)/bin/uv")
"$UV" sync --frozen --quiet --compile-bytecode --python "$PYTHON"

SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
APT_UPDATED=0
apt_install() {
    if [[ $APT_UPDATED -eq 0 ]]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

java_major() {  # 17 for "openjdk version "17.0.15" …", 0 when there is no java
    command -v java >/dev/null 2>&1 || { echo 0; return; }
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

if [[ "${1:-}" == "--spark" || "${1:-}" == "--test" ]]; then
    # PySpark (in the venv) brings Spark's jars but not the JVM; Spark 4 runs on Java 17 or 21.
    # Debian 12 has 17; a later Debian only 21.
    if [[ $(java_major) -lt 17 ]]; then
        if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
            apt_install --no-install-recommends openjdk-17-jre-headless
        else
            apt_install --no-install-recommends openjdk-21-jre-headless
        fi
    fi
fi

if [[ "${1:-}" == "--test" ]]; then
    # The browser tests drive Debian's Chromium (Playwright's own browser download cannot work
    # offline); CJK fonts so that pages and screenshots show Chinese.
    if [[ ! -x /usr/bin/chromium ]]; then
        apt_install chromium fonts-noto-cjk
    fi
fi
