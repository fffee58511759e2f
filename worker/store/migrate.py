"""Alembic, configured in code: no alembic.ini to keep in step with the settings.

The migration scripts live in ``schemas/migrations`` (found by package path, so an
installed wheel migrates too). ``upgrade`` is what ``newsfeed db upgrade`` and the
compose one-shot run; ``check`` fails when the models and the migrations disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import schemas


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(Path(schemas.__file__).parent / "migrations")
    )
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating the SQLite file if needed)."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if autogenerate would produce a migration (models drifted)."""
    command.check(alembic_config(database_url))


def current_heads(database_url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    from worker.store.database import get_engine  # noqa: PLC0415

    with get_engine(database_url).connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
