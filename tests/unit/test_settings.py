"""Settings: defaults that work on a laptop, conventional names, documented fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.settings import Settings, get_settings

README = Path(__file__).parents[2] / "README.md"


def _env_name(name: str) -> str:
    alias = Settings.model_fields[name].validation_alias
    if alias is not None:
        return str(alias.choices[0])  # type: ignore[union-attr]
    return f"NEWSFEED_{name.upper()}"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    documented = set(
        re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(), re.MULTILINE)
    )
    missing = {_env_name(n) for n in Settings.model_fields} - documented
    assert not missing, f"add to the README configuration table: {sorted(missing)}"


def test_every_setting_has_a_description() -> None:
    assert all(f.description for f in Settings.model_fields.values())


def test_defaults_are_safe_and_need_no_services() -> None:
    settings = Settings()
    assert settings.redis_url is None
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.allow_private_networks is False
    assert settings.obey_robots is True
    assert settings.max_redirects == 5


def test_conventional_names_stay_unprefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/news")
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/0")
    monkeypatch.setenv("NEWSFEED_MAX_DEPTH", "3")
    monkeypatch.setenv("NEWSFEED_FOLLOW_KINDS", '["teaser"]')
    settings = get_settings()
    assert settings.resolved_database_url() == "postgresql+psycopg://u:p@db/news"
    assert settings.redis_url == "redis://r:6379/0"
    assert settings.max_depth == 3
    assert settings.follow_kinds == ("teaser",)
