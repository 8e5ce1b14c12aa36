"""Navigation, error pages and anonymous access."""

import pytest
from django.test import override_settings
from django.urls import reverse

from huitoukan.accounts.roles import Role


@pytest.mark.parametrize("name", ["web:home", "registry:household_list", "accounts:user_list",
                                  "accounts:password_change"])
def test_anonymous_goes_to_login(name, client, db):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_navigation_follows_capabilities(county, users, client_for):
    admin_html = client_for(users[Role.COUNTY_ADMIN]).get(reverse("web:home")).content.decode()
    leader_html = client_for(users[Role.LEADER]).get(reverse("web:home")).content.decode()
    users_link = f'href="{reverse("accounts:user_list")}"'
    assert users_link in admin_html and users_link not in leader_html
    assert f'href="{reverse("registry:household_list")}"' in leader_html
    assert "测试leader" in leader_html and "领导" in leader_html  # the user's name and role


@override_settings(DEBUG=False)
def test_404_and_403_pages(county, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and "404" in response.content.decode()
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 403 and "403" in response.content.decode()


def test_500_page_renders_without_context():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "500" in html and "系统错误" in html


def test_logout_is_post_only(users, client_for):
    client = client_for(users[Role.LEADER])
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302
