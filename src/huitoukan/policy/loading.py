"""Load a policy profile from YAML (`huitoukan policy load FILE`)."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction

from .models import DEFAULTS, PolicyProfile


class PolicyFileError(ValueError):
    pass


def parse_policy_yaml(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise PolicyFileError("文件应为“键: 值”的映射，例如 year: 2020")
    unknown = sorted(set(data) - set(DEFAULTS) - {"year"})
    if unknown:
        raise PolicyFileError(f"未知的键：{', '.join(map(str, unknown))}；可用的键：year, {', '.join(DEFAULTS)}")
    if "year" not in data:
        raise PolicyFileError("缺少 year（年度）")
    values = {}
    try:
        values["year"] = int(data["year"])
    except (TypeError, ValueError) as exc:
        raise PolicyFileError(f"year 不是整数：{data['year']!r}") from exc
    for key, value in data.items():
        if key == "year" or value is None:
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise PolicyFileError(f"{key} 不是数字：{value!r}") from exc
        if number < 0:
            raise PolicyFileError(f"{key} 不能为负数：{value!r}")
        values[key] = int(number) if isinstance(DEFAULTS[key], int) and key.endswith("_days") else number
    return values


@transaction.atomic
def load_policy_file(path: Path) -> tuple[PolicyProfile, bool]:
    """Create or update the year's profile; keys not given keep their current value (or default).
    Returns (profile, created)."""
    values = parse_policy_yaml(Path(path).read_text(encoding="utf-8-sig"))
    year = values.pop("year")
    profile = PolicyProfile.objects.filter(year=year).first()
    created = profile is None
    if created:
        profile = PolicyProfile(year=year)
    for key, value in values.items():
        setattr(profile, key, value)
    try:
        profile.full_clean()
    except Exception as exc:  # ValidationError: report in the command's words
        raise PolicyFileError(str(exc)) from exc
    profile._change_reason = f"从文件 {Path(path).name} 载入"
    profile.save()
    return profile, created
