"""Each role through the API: which rows it sees, which it cannot reach, what is masked."""

import pytest

from huitoukan.accounts.masking import mask_id_number

from .conftest import ID_LI, ID_WANG, ID_ZHAO

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def household_nos(response):
    return sorted(h["household_no"] for h in results(response))


def all_id_numbers(client):
    people = results(client.get("/api/people/"))
    detail = client.get(f"/api/households/{people[0]['household']}/").json()
    return {p["id_number"] for p in people} | {m["id_number"] for m in detail["members"]}


def test_county_admin_sees_the_whole_county_with_full_id_numbers(api, users, county):
    client = api(users["county_admin"])
    assert household_nos(client.get("/api/households/")) == ["H-A-0001", "H-A-0002", "H-B-0001"]
    people = {p["name"]: p for p in results(client.get("/api/people/"))}
    assert people["王小明"]["id_number"] == ID_WANG
    assert people["赵秘密"]["id_number"] == ID_ZHAO
    assert people["王小明"]["health"] == "chronic"
    assert people["李小红"]["disability_grade"] == "3"
    detail = client.get(f"/api/households/{county['h1'].pk}/").json()
    assert {m["id_number"] for m in detail["members"]} == {ID_WANG, ID_LI}


def test_town_cadre_sees_only_their_town_with_masked_id_numbers(api, users, county):
    client = api(users["town_cadre"])
    assert household_nos(client.get("/api/households/")) == ["H-A-0001", "H-A-0002"]
    names = {p["name"] for p in results(client.get("/api/people/"))}
    assert names == {"王小明", "李小红", "孙大山"}

    ids = all_id_numbers(client)
    assert ID_WANG not in ids and ID_LI not in ids
    assert mask_id_number(ID_WANG) in ids
    assert mask_id_number(ID_WANG) == "990101********1234"

    # Town cadres plan assistance: they see health.
    people = {p["name"]: p for p in results(client.get("/api/people/"))}
    assert people["李小红"]["health"] == "disabled"
    assert people["李小红"]["disability_grade"] == "3"


def test_town_cadre_gets_404_for_another_towns_objects(api, users, county):
    client = api(users["town_cadre"])
    h3 = county["h3"]
    assert client.get(f"/api/households/{h3.pk}/").status_code == 404
    assert client.get(f"/api/people/{h3.members.get().pk}/").status_code == 404
    # A village of the other town is outside the scope; the county above is visible (its name).
    assert client.get(f"/api/regions/{county['village_b'].pk}/").status_code == 404
    assert client.get(f"/api/regions/{county['county'].pk}/").status_code == 200
    # And an id that does not exist answers exactly the same.
    assert client.get("/api/households/999999/").status_code == 404


@pytest.mark.parametrize("term", ["赵秘密", "H-B-0001", ID_ZHAO, "H-B", "赵"])
def test_town_cadre_never_finds_another_towns_household_by_search(api, users, county, term):
    client = api(users["town_cadre"])
    assert results(client.get("/api/households/", {"search": term})) == []
    assert results(client.get("/api/people/", {"search": term})) == []
    # The other town's region as a filter yields nothing either, by code or by id.
    assert results(client.get("/api/households/", {"region": county["town_b"].code})) == []
    assert results(client.get("/api/households/", {"region": county["town_b"].pk})) == []


def test_village_cadre_sees_their_village(api, users, county):
    client = api(users["village_cadre"])
    assert household_nos(client.get("/api/households/")) == ["H-A-0001", "H-A-0002"]
    regions = {r["code"] for r in results(client.get("/api/regions/"))}
    # their village, its hamlet, and the ancestors for context; not the other town.
    assert regions == {county["county"].code, county["town_a"].code, county["village_a"].code,
                       county["hamlet_a"].code}


def test_inspector_sees_full_id_numbers(api, users):
    ids = {p["id_number"] for p in results(api(users["inspector"]).get("/api/people/"))}
    assert {ID_WANG, ID_LI, ID_ZHAO} <= ids


def test_leader_gets_masked_id_numbers_and_masked_health(api, users, county):
    client = api(users["leader"])
    people = {p["name"]: p for p in results(client.get("/api/people/"))}
    assert len(people) == 4  # the whole county
    wang = people["王小明"]
    assert wang["id_number"] == mask_id_number(ID_WANG)
    assert wang["health"] == "***" and wang["health_display"] == "***"
    assert people["李小红"]["disability_grade"] == "***"
    # An empty value stays empty: "***" would claim there is something hidden.
    assert wang["disability_grade"] == ""

    members = client.get(f"/api/households/{county['h1'].pk}/").json()["members"]
    assert {m["health"] for m in members} == {"***"}
    assert {m["id_number"] for m in members} == {mask_id_number(ID_WANG), mask_id_number(ID_LI)}
    # Nothing anywhere in the payload carries the full number or the health identifier.
    body = client.get(f"/api/households/{county['h1'].pk}/").content.decode()
    assert ID_WANG not in body and "chronic" not in body and "disabled" not in body


@pytest.mark.parametrize("url", ["/api/households/", "/api/people/", "/api/regions/"])
def test_data_provider_is_refused(api, users, county, url):
    client = api(users["data_provider"])
    assert client.get(url).status_code == 403
    assert client.get(f"/api/households/{county['h1'].pk}/").status_code == 403


def test_user_without_regions_sees_nothing(api, users):
    client = api(users["no_regions"])
    assert results(client.get("/api/households/")) == []
    assert results(client.get("/api/people/")) == []
    assert results(client.get("/api/regions/")) == []


def test_masked_user_cannot_search_id_number_fragments(api, users, county):
    """Substring search on ID numbers would reveal the masked birth date digit by digit."""
    client = api(users["leader"])
    assert household_nos(client.get("/api/households/", {"search": ID_WANG})) == ["H-A-0001"]
    assert household_nos(client.get("/api/households/", {"search": ID_WANG[:10]})) == []
    assert results(client.get("/api/people/", {"search": "19850315"})) == []
    # Lower-case x is the same number.
    assert household_nos(client.get("/api/households/", {"search": ID_ZHAO.lower()})) == ["H-B-0001"]

    admin = api(users["county_admin"])
    assert household_nos(admin.get("/api/households/", {"search": "19850315"})) == ["H-A-0001"]


def test_source_key_is_never_exposed(api, users, county):
    client = api(users["county_admin"])
    person = results(client.get("/api/people/"))[0]
    assert "source_key" not in person
    member = client.get(f"/api/households/{county['h1'].pk}/").json()["members"][0]
    assert "source_key" not in member
