"""Filters, enum labels, pagination."""

import pytest

pytestmark = pytest.mark.django_db


def nos(response):
    assert response.status_code == 200, response.content
    return sorted(h["household_no"] for h in response.json()["results"])


@pytest.fixture
def admin(api, users):
    return api(users["county_admin"])


@pytest.mark.parametrize("key", ["code", "pk"])
def test_region_filter_by_code_or_id_at_every_level(admin, county, key):
    def by(region):
        return nos(admin.get("/api/households/", {"region": getattr(county[region], key)}))

    assert by("county") == ["H-A-0001", "H-A-0002", "H-B-0001"]
    assert by("town_a") == ["H-A-0001", "H-A-0002"]
    assert by("village_b") == ["H-B-0001"]
    assert by("hamlet_a") == ["H-A-0001"]


def test_unknown_region_gives_an_empty_list(admin, county):
    assert nos(admin.get("/api/households/", {"region": "990199999000"})) == []


def test_enum_filters(admin, county):
    assert nos(admin.get("/api/households/", {"status": "lifted"})) == ["H-A-0001"]
    assert nos(admin.get("/api/households/", {"household_type": "dibao"})) == ["H-A-0002"]
    assert nos(admin.get("/api/households/", {"main_cause": "illness"})) == ["H-A-0001"]
    assert nos(admin.get("/api/households/", {"status": "lifted", "region": county["town_b"].code})) == []


def test_bad_enum_value_is_a_400_naming_the_choices(admin, county):
    response = admin.get("/api/households/", {"status": "poor"})
    assert response.status_code == 400
    assert "not_lifted" in response.json()["status"][0]


def test_search(admin, county):
    assert nos(admin.get("/api/households/", {"search": "0002"})) == ["H-A-0002"]
    # a member who is not the head finds the household, once
    assert nos(admin.get("/api/households/", {"search": "李小红"})) == ["H-A-0001"]
    assert nos(admin.get("/api/households/", {"search": "小"})) == ["H-A-0001"]


def test_people_filters(admin, county):
    h1 = county["h1"]
    names = lambda r: sorted(p["name"] for p in r.json()["results"])
    assert names(admin.get("/api/people/", {"household": h1.pk})) == ["李小红", "王小明"]
    assert names(admin.get("/api/people/", {"region": county["town_b"].code})) == ["赵秘密"]
    assert names(admin.get("/api/people/", {"search": "P4"})) == ["赵秘密"]
    assert admin.get("/api/people/", {"household": "abc"}).status_code == 400


def test_region_filters(admin, county):
    towns = admin.get("/api/regions/", {"level": "town"}).json()["results"]
    assert [t["code"] for t in towns] == [county["town_a"].code, county["town_b"].code]
    children = admin.get("/api/regions/", {"parent": county["town_a"].pk}).json()["results"]
    assert [c["name"] for c in children] == ["青松村"]


def test_enum_fields_carry_identifier_and_label(admin, county):
    response = admin.get(f"/api/households/{county['h1'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    h = response.json()
    assert (h["status"], h["status_display"]) == ("lifted", "lifted")
    assert (h["household_type"], h["household_type_display"]) == ("ordinary", "ordinary poor household")
    assert (h["main_cause"], h["main_cause_display"]) == ("illness", "illness")
    head = next(m for m in h["members"] if m["relation"] == "head")
    assert head["relation_display"] == "head of household"
    assert head["health_display"] == "chronic illness"
    assert h["village"] == {"id": county["village_a"].pk, "code": county["village_a"].code, "name": "青松村"}
    assert h["helper"]["unit"]["name"] == "示例县农业农村局"
    assert h["per_capita_income"] == "5200.00"

    region = admin.get(f"/api/regions/{county['town_a'].pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (region["level"], region["level_display"], region["parent"]) == ("town", "town", county["county"].pk)


def test_empty_enum_value_is_empty(admin, county):
    h = admin.get(f"/api/households/{county['h3'].pk}/").json()
    assert (h["main_cause"], h["main_cause_display"]) == ("", "")


def test_pagination(admin, county):
    page = admin.get("/api/households/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    last = admin.get("/api/households/", {"page_size": 2, "page": 2}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert admin.get("/api/households/", {"page": 9}).status_code == 404


def test_api_is_read_only(admin, county):
    assert admin.post("/api/households/", {}, content_type="application/json").status_code == 405
    url = f"/api/households/{county['h1'].pk}/"
    assert admin.patch(url, {"status": "not_lifted"}, content_type="application/json").status_code == 405
    assert admin.delete(url).status_code == 405
