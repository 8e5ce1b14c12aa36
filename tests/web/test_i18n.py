"""The interface is Chinese through the translation files, and the catalogue is complete."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from huitoukan.accounts.roles import Role

PO = Path(__file__).resolve().parents[2] / "src/huitoukan/locale/zh_Hans/LC_MESSAGES/django.po"


def test_pages_render_in_chinese(county, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    html = client.get(reverse("registry:household_list")).content.decode()
    assert "<h1>户档案</h1>" in html
    assert "户主" in html and "脱贫属性" in html or "户状态" in html
    home = client.get(reverse("web:home")).content.decode()
    assert "首页" in home and "退出" in home
    detail = client.get(reverse("registry:household_detail", args=[county.households[0].pk])).content.decode()
    assert "两不愁三保障" in detail and "家庭成员" in detail


def test_pages_stay_chinese_for_an_english_browser(county, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    html = client.get(reverse("registry:household_list"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "<h1>户档案</h1>" in html


def test_english_still_works_when_chosen(county, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("registry:household_list")).content.decode()
    assert "<h1>Household files</h1>" in html


def _entries(text):
    """(flags, msgid, msgstr list) for every entry of a .po file but the header."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not lines:
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        strings, current = {}, None
        for line in lines:
            match = re.match(r'(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                strings[current] = match.group(2)
            elif line.startswith('"') and current:
                strings[current] += line[1:-1]
        if strings.get("msgid"):
            entries.append((flags, strings["msgid"], [v for k, v in strings.items() if k.startswith("msgstr")]))
    return entries


CATALOGUES = sorted(PO.parents[4].glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_the_project_catalogue_is_the_big_one():
    assert PO in CATALOGUES
    assert len(_entries(PO.read_text(encoding="utf-8"))) > 300


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PO.parents[4])))
def test_catalogue_has_no_untranslated_or_fuzzy_entries(po):
    entries = _entries(po.read_text(encoding="utf-8"))
    fuzzy = [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    untranslated = [msgid for _flags, msgid, strs in entries if not strs or any(not s for s in strs)]
    assert not fuzzy, fuzzy[:10]
    assert not untranslated, untranslated[:10]
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 5, "compile the .po (msgfmt)"
