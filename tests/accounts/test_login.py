"""Login, lockout (django-axes), password hashing, sessions, logout."""

from django.conf import settings
from django.urls import reverse

from huitoukan.accounts.roles import Role
from tests.factories import PASSWORD, make_user

LOGIN = reverse("login")


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_login_page_is_chinese(client, db):
    html = client.get(LOGIN).content.decode()
    assert "登录" in html and 'name="username"' in html and "csrfmiddlewaretoken" in html


def test_login_and_redirect_home(client, db):
    make_user("cadre", Role.TOWN_CADRE)
    response = post_login(client, "cadre", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200


def test_wrong_password_shows_error(client, db):
    make_user("cadre", Role.TOWN_CADRE)
    response = post_login(client, "cadre", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode() or "正确" in response.content.decode()


def test_five_failures_lock_the_account(client, db):
    make_user("cadre", Role.TOWN_CADRE)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "cadre", "wrong-password").status_code == 200
    locked = post_login(client, "cadre", "wrong-password")
    assert locked.status_code == 429
    assert "账户已锁定" in locked.content.decode()
    # Even the right password is refused now.
    response = post_login(client, "cadre", PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("web:home")).status_code == 302


def test_lockout_is_per_user_and_address(client, db):
    make_user("cadre", Role.TOWN_CADRE)
    make_user("other", Role.TOWN_CADRE)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "cadre", "wrong-password")
    assert post_login(client, "other", PASSWORD).status_code == 302


def test_passwords_are_argon2(db, settings):
    from huitoukan import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = make_user("cadre", Role.TOWN_CADRE)
    assert user.password.startswith("argon2")


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # idle timeout, not a fixed one
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_session_cookie_carries_the_age(client, db):
    make_user("cadre", Role.TOWN_CADRE)
    post_login(client, "cadre", PASSWORD)
    assert client.session.get_expire_at_browser_close()
    assert 0 < client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE


def test_inactive_user_cannot_log_in(client, db):
    make_user("gone", Role.TOWN_CADRE, is_active=False)
    assert post_login(client, "gone", PASSWORD).status_code == 200
