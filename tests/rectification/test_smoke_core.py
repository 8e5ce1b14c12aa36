import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huitoukan.accounts.roles import Role
from huitoukan.rectification import assignment, workflow
from huitoukan.rectification.choices import Action, Status
from tests.rectification.test_pages import make_problem, make_run
from tests.scope_fixtures import *

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_path(county, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = make_run(region=None, counts={"NO_HELPER": 1})
    town = county.towns[0]
    problem = make_problem("NO_HELPER", household=county.households_of(town)[0], run=run)
    res = assignment.assign([problem.pk], users[Role.COUNTY_ADMIN], unit="松林乡", person=users[Role.TOWN_CADRE])
    assert res.assigned == 1
    problem.refresh_from_db()
    assert problem.deadline is not None
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="done")
    workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="done",
                       files=[SimpleUploadedFile("a.png", PNG, "image/png")])
    problem.refresh_from_db()
    assert problem.status == Status.FIXED
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, users[Role.VILLAGE_CADRE], Action.VERIFIED)
    workflow.take_step(problem, users[Role.INSPECTOR], Action.VERIFIED)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    assert [e.action for e in problem.events.all()] == ["assigned", "reported_fixed", "verified"]
    assert (tmp_path / "evidence").exists()
