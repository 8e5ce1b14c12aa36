"""Look-back runs: snapshot the registry, run the rules, record findings and problems.

The web page (through a background task), the `huitoukan check` command, the demo and the tests all
come through here; the engine core (lookback/engine) knows nothing of Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .models import Run

Progress = Callable[[int, str], None]  # (percent, note)


def available_rules(codes=None):
    """The rule catalog: built-in rule files and those of settings.HUITOUKAN_RULE_DIRS, checked
    against the policy profile's parameter names."""
    raise NotImplementedError


def create_run(*, as_of: dt.date | None = None, region=None, rule_codes=None, engine: str = "duckdb",
               user=None) -> Run:
    """A queued Run with its inputs validated (unknown rule codes, no policy profile for the year
    and unknown engines are refused with a ValueError whose message can be shown to a user)."""
    raise NotImplementedError


def start_run(**kwargs) -> Run:
    """create_run() and enqueue it on the background worker (the web page)."""
    raise NotImplementedError


def execute_run(run: Run, *, progress: Progress | None = None) -> Run:
    """Do the work of a queued run: snapshot → prepare → rules → baselines → findings and problems.
    A failure marks the run failed with its error and leaves problems as they were."""
    raise NotImplementedError


def run_lookback(*, progress: Progress | None = None, **kwargs) -> Run:
    """create_run() and execute_run() in this process (command line, demo, tests)."""
    return execute_run(create_run(**kwargs), progress=progress)
