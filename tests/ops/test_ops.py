import os
import stat

import pytest
from django.contrib.auth.hashers import identify_hasher

from huitoukan.accounts.roles import Role
from huitoukan.ops.accounts import create_county_admin
from huitoukan.ops.secret import ensure_secret_key
from huitoukan.registry.models import Region


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("HUITOUKAN_SECRET_KEY", raising=False)
    monkeypatch.setenv("HUITOUKAN_DATA_DIR", str(tmp_path))
    ensure_secret_key()
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    ensure_secret_key()
    assert key_file.read_text() == first, "a second start must not replace the key (sessions would break)"


def test_secret_key_from_environment_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HUITOUKAN_SECRET_KEY", "k" * 60)
    monkeypatch.setenv("HUITOUKAN_PSEUDONYM_KEY", "p" * 60)
    monkeypatch.setenv("HUITOUKAN_DATA_DIR", str(tmp_path))
    ensure_secret_key()
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "pseudonym_key").exists()


def test_the_pseudonym_key_is_generated_once_apart_from_the_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("HUITOUKAN_SECRET_KEY", raising=False)
    monkeypatch.delenv("HUITOUKAN_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("HUITOUKAN_DATA_DIR", str(tmp_path))
    ensure_secret_key()
    key_file = tmp_path / "pseudonym_key"
    first = key_file.read_text()
    assert len(first) >= 50 and first != (tmp_path / "secret_key").read_text()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    (tmp_path / "secret_key").unlink()  # the secret key may be replaced; the pseudonym key stays
    ensure_secret_key()
    assert key_file.read_text() == first


@pytest.mark.django_db
def test_county_admin_gets_every_county_and_a_password_shown_once():
    county = Region.objects.create(code="990101000000", name="青石县", level="county")
    Region.objects.create(code="990101001000", name="柳河镇", level="town", parent=county)
    user, password = create_county_admin("admin")
    assert user.role == Role.COUNTY_ADMIN
    assert list(user.regions.all()) == [county]
    assert user.check_password(password)
    assert identify_hasher(user.password).algorithm == "argon2"
    again, second = create_county_admin("admin")
    assert again.pk == user.pk and second is None
