"""`huitoukan policy load FILE` through the Typer app."""

import pytest
from typer.testing import CliRunner

from huitoukan.cli import app
from huitoukan.policy.models import PolicyProfile

pytestmark = pytest.mark.django_db
runner = CliRunner()


def load(tmp_path, text, name="policy.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["policy", "load", str(path)])
    return result, result.output + result.stderr


def test_load_creates_then_updates(tmp_path):
    result, out = load(tmp_path, "year: 2020\npoverty_line: 4000\nborderline_upper: 6000\n")
    assert result.exit_code == 0, out
    profile = PolicyProfile.objects.get(year=2020)
    assert (profile.poverty_line, profile.borderline_upper, profile.medical_cost_threshold) == (4000, 6000, 20000)
    assert "2020" in out

    result, out = load(tmp_path, "year: 2020\nborderline_upper: 6200\nfund_stagnant_days: 60\n", "v2.yaml")
    assert result.exit_code == 0, out
    profile.refresh_from_db()
    assert (profile.poverty_line, profile.borderline_upper, profile.fund_stagnant_days) == (4000, 6200, 60)
    assert PolicyProfile.objects.count() == 1
    reasons = list(profile.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert len(reasons) == 2 and "v2.yaml" in reasons[1]


def test_output_is_in_chinese(tmp_path):
    result, out = load(tmp_path, "year: 2021\n")
    assert result.exit_code == 0 and "新建" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year: 2020\npoverty_line: 4100\nfoo: 1\n", "foo"),
        ("year: 2020\npoverty_line: abc\n", "poverty_line"),
        ("year: 2020\npoverty_line: yes\n", "poverty_line"),
        ("year: 2020\npoverty_line: .nan\n", "poverty_line"),
        ("year: 2020\npoverty_line: 6500\n", "borderline_upper"),
        ("year: 2020\npoverty_line: 123456789012\n", "poverty_line"),
        ("year: 20200\n", "year"),
        ("year: 2020.5\n", "year"),
        ("- year: 2020\n", "year: 2020"),
    ],
)
def test_bad_files_fail_clearly_and_change_nothing(tmp_path, text, expected):
    result, _ = load(tmp_path, "year: 2020\npoverty_line: 4000\nborderline_upper: 6000\n")
    assert result.exit_code == 0
    profile = PolicyProfile.objects.get(year=2020)
    history_before = profile.history.count()

    result, out = load(tmp_path, text, "bad.yaml")
    assert result.exit_code == 1
    assert expected in result.stderr, out
    assert "Traceback" not in out
    profile.refresh_from_db()
    assert (profile.poverty_line, profile.borderline_upper) == (4000, 6000)
    assert profile.history.count() == history_before
    assert PolicyProfile.objects.count() == 1


def test_missing_file_is_refused(tmp_path):
    result = runner.invoke(app, ["policy", "load", str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0
    assert not PolicyProfile.objects.exists()
