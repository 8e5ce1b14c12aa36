"""User management: county administrators only, within their own regions."""

import pytest
from django.urls import reverse

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "another-good-passphrase-7"


@pytest.fixture
def admin_client(users, client_for):
    return client_for(users[Role.COUNTY_ADMIN])


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.COUNTY_ADMIN])
def test_only_administrators_manage_users(role, users, client_for):
    client = client_for(users[role])
    target = users[Role.LEADER]
    for url in (reverse("accounts:user_list"), reverse("accounts:user_create"),
                reverse("accounts:user_edit", args=[target.pk]),
                reverse("accounts:user_set_password", args=[target.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("accounts:user_toggle_active", args=[target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_list_shows_users_in_scope_only(county, other_county, users, admin_client):
    outsider = make_user("outsider", Role.TOWN_CADRE, [other_county.towns[0]])
    html = admin_client.get(reverse("accounts:user_list")).content.decode()
    assert "u_town_cadre" in html and "outsider" not in html
    assert admin_client.get(reverse("accounts:user_edit", args=[outsider.pk])).status_code == 404
    assert admin_client.post(reverse("accounts:user_toggle_active", args=[outsider.pk])).status_code == 404


def test_create_user_with_role_and_regions(county, admin_client):
    town = county.towns[1]
    response = admin_client.post(reverse("accounts:user_create"), {
        "username": "newcadre", "full_name": "李四", "role": Role.TOWN_CADRE, "phone": "13900000000",
        "regions": [town.pk], "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="newcadre")
    assert user.role == Role.TOWN_CADRE and list(user.regions.all()) == [town]
    assert user.first_name == "李四" and user.check_password(NEW_PASSWORD)
    assert not user.is_superuser and not user.is_staff


def test_regions_outside_the_administrators_scope_are_refused(county, other_county, users, client_for):
    # A town-level administrator may hand out their town's villages, not the other town.
    town_admin = make_user("townadmin", Role.COUNTY_ADMIN, [county.towns[0]])
    client = client_for(town_admin)
    for region in (county.towns[1], other_county.county, county.county):
        response = client.post(reverse("accounts:user_create"), {
            "username": f"x{region.pk}", "role": Role.VILLAGE_CADRE, "regions": [region.pk],
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
        })
        assert response.status_code == 200 and "regions" in response.context["form"].errors
    offered = {r.pk for r in client.get(reverse("accounts:user_create")).context["form"].fields["regions"].queryset}
    assert offered == {county.towns[0].pk} | {v.pk for v in county.villages_of(county.towns[0])}


def test_weak_or_mismatched_passwords_are_refused(county, admin_client):
    for p1, p2 in (("12345678901", "12345678901"), ("short", "short"), (NEW_PASSWORD, NEW_PASSWORD + "x")):
        response = admin_client.post(reverse("accounts:user_create"), {
            "username": "weak", "role": Role.LEADER, "regions": [county.county.pk], "password1": p1, "password2": p2,
        })
        assert response.status_code == 200
    assert not User.objects.filter(username="weak").exists()


def test_edit_role_and_regions(county, users, admin_client):
    target = users[Role.TOWN_CADRE]
    response = admin_client.post(reverse("accounts:user_edit", args=[target.pk]), {
        "username": target.username, "full_name": "王五", "role": Role.INSPECTOR, "phone": "",
        "regions": [county.county.pk],
    })
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.INSPECTOR and list(target.regions.all()) == [county.county]


def test_reset_password(users, admin_client, client):
    target = users[Role.LEADER]
    response = admin_client.post(reverse("accounts:user_set_password", args=[target.pk]), {
        "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)


def test_deactivate_and_reactivate(users, admin_client, client):
    target = users[Role.LEADER]
    admin_client.post(reverse("accounts:user_toggle_active", args=[target.pk]))
    target.refresh_from_db()
    assert not target.is_active
    response = client.post(reverse("login"), {"username": target.username, "password": PASSWORD})
    assert response.status_code == 200  # refused
    admin_client.post(reverse("accounts:user_toggle_active", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active
    assert admin_client.get(reverse("accounts:user_toggle_active", args=[target.pk])).status_code == 405


def test_administrator_cannot_deactivate_themselves(users, admin_client):
    admin = users[Role.COUNTY_ADMIN]
    admin_client.post(reverse("accounts:user_toggle_active", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.is_active


def test_superusers_are_not_manageable(county, admin_client):
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert admin_client.get(reverse("accounts:user_edit", args=[root.pk])).status_code == 404


def test_everyone_can_change_their_own_password(users, client_for):
    user = users[Role.HELPER]
    client = client_for(user)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The session survives the change (update_session_auth_hash).
    assert client.get(reverse("web:home")).status_code == 200
