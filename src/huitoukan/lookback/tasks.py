"""Look-back runs in the background (django-tasks; the worker is `huitoukan manage db_worker`).

The web page creates a queued Run (service.start_run) and this task does its work; the Run row
carries the progress and the outcome, so the page only has to read it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from .models import Run
from .service import execute_run


@task()
def execute_lookback_run(run_id: int) -> str:
    """Execute a queued run; returns its state (done or failed: the error is on the run)."""
    run = Run.objects.get(pk=run_id)
    if run.state != Run.State.QUEUED:  # picked up twice: the first worker's outcome stands
        return run.state
    # Messages and progress notes are stored in the installation's language, like the import's.
    with translation.override(settings.LANGUAGE_CODE):
        return execute_run(run).state
