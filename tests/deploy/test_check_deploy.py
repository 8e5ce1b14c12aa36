"""`check --deploy` passes with the settings production runs: debug off, HTTPS on, a real key.

In a subprocess, because the settings read the environment once at import and this test process
has already imported them with test values.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def production_env(data_dir: Path) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUITOUKAN_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)  # the default SQLite file under the data dir
    env |= {
        "DJANGO_SETTINGS_MODULE": "huitoukan.settings",
        "HUITOUKAN_DEBUG": "0",
        "HUITOUKAN_HTTPS": "1",
        "HUITOUKAN_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "HUITOUKAN_PSEUDONYM_KEY": secrets.token_urlsafe(40),
        "HUITOUKAN_ALLOWED_HOSTS": "huitoukan.example.org",
        "HUITOUKAN_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")])),
    }
    return env


def django(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env, cwd=env["HUITOUKAN_DATA_DIR"], capture_output=True, text=True, timeout=120, check=False,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = django(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output and "?: (security." not in output, output


def test_production_settings_refuse_to_start_without_a_key(tmp_path):
    env = production_env(tmp_path)
    del env["HUITOUKAN_SECRET_KEY"]
    result = django(env, "check")
    assert result.returncode != 0
    assert "HUITOUKAN_SECRET_KEY" in result.stderr


def test_the_check_does_catch_a_bad_setting(tmp_path):
    """Without HTTPS the same check must fail: proof that the test above is looking."""
    env = production_env(tmp_path) | {"HUITOUKAN_HTTPS": "0"}
    result = django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr  # SECURE_SSL_REDIRECT
