"""Pages of problems found by people: record one by hand (/problems/new/), or import an
inspection's findings list (/problems/import/ → preview → confirm).

Views bind requests to intake.py and intake_file.py. An uploaded list is kept under
MEDIA_ROOT/problem_lists (outside the web root) under a random name, with a small JSON file saying
who uploaded it with which source and round; the preview checks it without writing, and the confirm
checks it again, as that user, before writing: nothing the browser sends at confirm is trusted but
the random name, and that only for its uploader.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability

from . import intake, intake_file, queries
from .choices import Source
from .forms_intake import ListUploadForm, ProblemForm
from .workflow import StepRefused

record_problems = capability_required(Capability.RECORD_PROBLEMS)
TOKEN = re.compile(r"^[0-9a-f]{32}$")

OUTCOME_MESSAGES = {
    intake.Outcome.NEW: gettext_lazy("Recorded as a new problem."),
    intake.Outcome.JOINED: gettext_lazy("The ledger already had this problem; your finding was added as one more source."),
    intake.Outcome.REOPENED: gettext_lazy("This problem had been closed; it is open again and marked recurring."),
    intake.Outcome.UNCHANGED: gettext_lazy("This source and round had recorded this problem already; nothing changed."),
}


@record_problems
@require_http_methods(["GET", "POST"])
def problem_new(request):
    form = ProblemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = intake.record(request.user, code=data["code"], source=data["source"], round=data["round"],
                                 description=data["description"], severity=data["severity"] or None,
                                 found_on=data["found_on"], **data["target"])
        except StepRefused as refused:
            if refused.permission:
                raise PermissionDenied(refused.message) from refused
            form.add_error(None, refused.message)
        else:
            messages.success(request, str(OUTCOME_MESSAGES[done.outcome]))
            return redirect("rectification:problem_detail", pk=done.problem.pk)
    return render(request, "rectification/intake_new.html", {"form": form})


# ---- an inspection's findings list --------------------------------------------------------------


def lists_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "problem_lists"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload(request, token: str) -> tuple[dict, Path]:
    """The stored upload's record and file; 404 unless it is this user's."""
    meta_path = lists_dir() / f"{token}.json"
    if not TOKEN.match(token or "") or not meta_path.exists():
        raise Http404
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user") != request.user.pk:
        raise Http404
    path = lists_dir() / f"{token}{meta['suffix']}"
    if not path.exists():
        raise Http404
    return meta, path


def _discard(token: str, meta: dict) -> None:
    for path in (lists_dir() / f"{token}{meta['suffix']}", lists_dir() / f"{token}.json"):
        path.unlink(missing_ok=True)


@record_problems
@require_http_methods(["GET", "POST"])
def problem_import(request):
    form = ListUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token, suffix = uuid.uuid4().hex, Path(upload.name).suffix.lower()
        with open(lists_dir() / f"{token}{suffix}", "wb") as handle:
            handle.writelines(upload.chunks())
        meta = {"user": request.user.pk, "suffix": suffix, "file_name": Path(upload.name).name[:200],
                "source": form.cleaned_data["source"], "round": form.cleaned_data["round"].strip()}
        (lists_dir() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return redirect("rectification:problem_import_preview", token=token)
    return render(request, "rectification/intake_import.html",
                  {"form": form, "max_mb": intake_file_max_mb(), "headers": intake_file.HEADERS})


def intake_file_max_mb() -> int:
    from .forms_intake import MAX_LIST_BYTES

    return MAX_LIST_BYTES // 2**20


def _check(request, meta: dict, path: Path, *, dry_run: bool):
    try:
        return intake_file.import_file(path, user=request.user, source=meta["source"], round=meta["round"],
                                       dry_run=dry_run, file_name=meta["file_name"])
    except StepRefused as refused:
        if refused.permission:
            raise PermissionDenied(refused.message) from refused
        raise Http404 from refused  # a stored upload always has a source and round


def _render_report(request, token: str, meta: dict, report):
    # The list quotes ID numbers; a role that sees them masked sees them masked here too.
    errors = [(e.row, e.column, queries.shown_text(request.user, e.value), e.reason) for e in report.errors]
    context = {"token": token, "meta": meta, "report": report, "errors": errors,
               "source_label": Source(meta["source"]).label}
    return render(request, "rectification/intake_preview.html", context)


@record_problems
def problem_import_preview(request, token: str):
    meta, path = _upload(request, token)
    return _render_report(request, token, meta, _check(request, meta, path, dry_run=True))


@record_problems
@require_POST
def problem_import_confirm(request, token: str):
    meta, path = _upload(request, token)
    report = _check(request, meta, path, dry_run=False)
    if not report.written:  # the registry or the ledger changed since the preview: show why
        return _render_report(request, token, meta, report)
    _discard(token, meta)
    messages.success(request, report.summary_text())
    return redirect(reverse("rectification:problem_list") + "?" + urlencode({"source": meta["source"]}))
