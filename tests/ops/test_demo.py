"""The README's demo command, end to end: a synthetic county generated, imported and checked by a
look-back, an administrator created, and the production server (gunicorn + whitenoise) answering a
real login that lands on a populated problem ledger."""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the demo runs on its own SQLite file"),
]

HUITOUKAN = str(Path(sys.executable).with_name("huitoukan"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HUITOUKAN_TESTING",
                                                          "DJANGO_SETTINGS_MODULE"}}
    env["HUITOUKAN_DATA_DIR"] = str(data_dir)
    return env


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def test_demo_prepares_a_county_and_the_server_lets_the_admin_in(tmp_path):
    prepared = subprocess.run(
        [HUITOUKAN, "demo", "--no-serve", "--households", "300"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    match = re.search(r"admin 的初始密码（只显示这一次）：(\S+)", prepared.stdout)
    assert match, prepared.stdout
    password = match.group(1)
    assert re.search(r"ID_INVALID\s+证件号码无效\s+[1-9]", prepared.stdout), "the look-back's counts by rule"
    with closing(sqlite3.connect(tmp_path / "huitoukan.sqlite3")) as db:
        runs = db.execute("SELECT state, new_problems FROM lookback_run").fetchall()
        problems = db.execute("SELECT COUNT(*) FROM rectification_problem").fetchone()[0]
        baselines = db.execute("SELECT SUM(households) FROM lookback_baseline").fetchone()[0]
    assert runs == [("done", problems)] and problems > 0, "one look-back, its problems in the ledger"
    assert baselines == 300, "the five baselines count every household"
    assert re.search(r"督查人员 inspector 的初始密码（只显示这一次）：\S+", prepared.stdout), "users of other roles"
    with closing(sqlite3.connect(tmp_path / "huitoukan.sqlite3")) as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM rectification_problem GROUP BY status"))
        evidence = db.execute("SELECT COUNT(*) FROM rectification_evidence").fetchone()[0]
        returned = db.execute("SELECT COUNT(*) FROM rectification_problemevent "
                              "WHERE action = 'verification_failed'").fetchone()[0]
    assert statuses.get("closed") == 3 and statuses.get("fixed") == 2, statuses
    assert evidence == 6 and returned == 1, "fixes reported with a photo; one returned by the inspector"
    with closing(sqlite3.connect(tmp_path / "huitoukan.sqlite3")) as db:
        loads = db.execute("SELECT COUNT(*) FROM datasets_datasetload").fetchone()[0]
        cross = db.execute("SELECT COUNT(*) FROM rectification_problem WHERE code IN "
                           "('DECEASED_UNMARKED', 'EXCL_CAR', 'EXCL_PAYROLL', 'EXCL_BUSINESS')").fetchone()[0]
    assert loads == 10 and cross > 0, "the department files loaded, and the cross-comparison rules found something"

    rerun = subprocess.run(
        [HUITOUKAN, "demo", "--no-serve"], env=_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "初始密码" not in rerun.stdout, "a password is printed once, never again"
    with closing(sqlite3.connect(tmp_path / "huitoukan.sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM lookback_run").fetchone()[0] == 1, "a rerun adds no run"

    port = _free_port()
    server = subprocess.Popen(
        [HUITOUKAN, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/login/")
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(base + "/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login_page)
        assert stylesheet, "the login page links its stylesheet"
        assert opener.open(base + stylesheet.group(1)).status == 200, "whitenoise serves static files"
        body = urllib.parse.urlencode(
            {"username": "admin", "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(base + "/login/", data=body, headers={"Referer": base + "/login/"})
        home = opener.open(request)
        assert home.geturl().rstrip("/") == base, "a successful login lands on the home page"
        households = opener.open(base + "/registry/households/").read().decode()
        assert "共 300 户" in households, "the list shows the whole imported county"
        assert "户档案" in households, "the interface speaks Chinese"
        ledger = opener.open(base + "/problems/").read().decode()
        assert re.search(r"WT\d{7}", ledger), "a new user lands on a populated problem ledger"
    finally:
        server.terminate()
        server.wait(timeout=30)
