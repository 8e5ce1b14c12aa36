"""Session and token authentication; anonymous callers are refused."""

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_anonymous_is_refused(client, county):
    for url in ("/api/households/", "/api/people/", "/api/regions/", f"/api/households/{county['h1'].pk}/"):
        assert client.get(url).status_code in (401, 403)


def test_session_authentication(client, users, county):
    client.force_login(users["town_cadre"])  # a session cookie, as the web pages set it
    response = client.get("/api/households/")
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_token_authentication(client, users, county):
    token = Token.objects.create(user=users["town_cadre"])
    response = client.get("/api/households/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert client.get("/api/households/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_token_endpoint_issues_a_token_that_works(client, users, county):
    response = client.post("/api/token/", {"username": "admin_wang", "password": "correct-horse-battery-9"})
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert key == Token.objects.get(user=users["county_admin"]).key
    listing = client.get("/api/households/", HTTP_AUTHORIZATION=f"Token {key}")
    assert listing.status_code == 200 and listing.json()["count"] == 3


def test_token_endpoint_refuses_a_wrong_password(client, users):
    response = client.post("/api/token/", {"username": "admin_wang", "password": "wrong"})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_of_a_role_without_registry_access_is_refused_by_the_endpoints(client, users, county):
    token = Token.objects.create(user=users["data_provider"])
    assert client.get("/api/people/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 403


def test_inactive_users_token_stops_working(client, users, county):
    user = users["county_admin"]
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    assert client.get("/api/households/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_token_endpoint_is_covered_by_the_login_lockout(client, users, settings):
    """django-axes guards /api/token/ as it guards the login page: after the failure limit even
    the right password is refused, so the endpoint is no way around the lockout."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/token/", {"username": "admin_wang", "password": "wrong"})
    response = client.post("/api/token/", {"username": "admin_wang", "password": "correct-horse-battery-9"})
    assert response.status_code == 400
    assert not Token.objects.exists()
