"""Strict environment parsing: bad values stop start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kartoteka.env import env_bool, env_choice, env_int, env_list, env_str, generated_secret_key, parse_database_url


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("Yes", True), ("off", False), ("0", False), ("", False)]
)
def test_booleans(raw, expected):
    assert env_bool("X", False, environ={"X": raw}) is expected


@pytest.mark.parametrize("raw", ["ture", "2", "y"])
def test_a_bad_boolean_is_refused_by_name(raw):
    with pytest.raises(ImproperlyConfigured, match=r"^X="):
        env_bool("X", False, environ={"X": raw})


def test_integers_are_checked_for_type_and_range():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, minimum=1, environ={"N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("N", 5, environ={"N": "5O"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("N", 5, minimum=1, environ={"N": "0"})


def test_lists_and_choices():
    assert env_list("HOSTS", ["a"], environ={"HOSTS": "crm.example.com, ,127.0.0.1"}) == ["crm.example.com", "127.0.0.1"]
    assert env_list("HOSTS", ["a"], environ={}) == ["a"]
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("LEVEL", "INFO", {"INFO", "DEBUG"}, environ={"LEVEL": "LOUD"})


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    assert env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "s3cr3t"
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("SECRET_KEY", environ={"SECRET_KEY": "a", "SECRET_KEY_FILE": str(secret)})


def test_database_url_defaults_to_sqlite_in_wal_mode(tmp_path):
    config = parse_database_url("", sqlite_default_path=tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_database_url_for_postgresql():
    config = parse_database_url("postgres://crm:p%40ss@db.internal:6432/kartoteka?sslmode=require", sqlite_default_path=Path("x"))
    assert (config["ENGINE"], config["NAME"], config["USER"], config["PASSWORD"]) == (
        "django.db.backends.postgresql",
        "kartoteka",
        "crm",
        "p@ss",
    )
    assert (config["HOST"], config["PORT"], config["OPTIONS"]) == ("db.internal", "6432", {"sslmode": "require"})


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "postgres://host:port/db", "postgres://host/", "sqlite://"])
def test_unsupported_or_broken_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url(url, sqlite_default_path=Path("x"))


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "secret_key"
    first = generated_secret_key(path)
    assert len(first) >= 50
    assert generated_secret_key(path) == first
    assert path.stat().st_mode & 0o077 == 0


def _settings_in_child(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    code = f"import django, os; django.setup(); from django.conf import settings; print(repr({expression}))"
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "HTTPS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=base | {"DJANGO_SETTINGS_MODULE": "kartoteka.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_defaults_are_safe():
    result = _settings_in_child({}, "(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)")
    assert result.stdout.strip() == "(False, False, ['127.0.0.1', 'localhost', '[::1]'])", result.stderr


def test_an_https_site_gets_secure_cookies_hsts_and_redirects():
    result = _settings_in_child(
        {"SITE_URL": "https://crm.example.com"},
        "(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS)",
    )
    assert result.stdout.strip() == "(True, True, True, 31536000)", result.stderr


def test_a_typo_in_the_environment_stops_start_up_naming_the_variable():
    result = _settings_in_child({"DEBUG": "ture"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr
