"""Serving the application: gunicorn for the web, the django-tasks database worker for background
work (imports, look-backs). Both are child processes; stopping the command stops both."""

import os
import signal
import subprocess
import sys
import time


def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "huitoukan.settings")
    return env


def serve(host: str, port: int, workers: int, with_worker: bool = True) -> int:
    env = _child_env()
    commands = [
        [sys.executable, "-m", "gunicorn", "huitoukan.wsgi:application",
         "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4",
         "--timeout", "120", "--access-logfile", "-"],
    ]
    if with_worker:
        commands.append([sys.executable, "-m", "django", "db_worker", "--interval", "1"])
    children = [subprocess.Popen(cmd, env=env) for cmd in commands]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)
