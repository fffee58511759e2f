"""The ``schemas`` package loads its tables on first use, and then all of them.

Each case runs in a fresh interpreter, since it is about what an import brings in.
"""

from __future__ import annotations

import pytest

import schemas
from tests.support.python import run_python

_TABLES = [
    "articles",
    "crawl_urls",
    "feeds",
    "fetch_attempts",
    "related_links",
    "revisions",
    "url_aliases",
]


def test_the_exception_tree_and_the_cli_import_no_table_and_no_orm() -> None:
    out = run_python(
        """
        import sys
        import worker.errors, worker.cli
        print("schemas.enums" in sys.modules, sorted(
            m for m in sys.modules
            if m == "sqlmodel" or m.removeprefix("schemas.") in ("article", "feed", "link")
        ))
        """
    )
    assert out.strip() == "True []"


def test_taking_one_table_registers_every_table() -> None:
    out = run_python(
        """
        from sqlmodel import SQLModel
        from schemas import Feed
        print(Feed.__tablename__, sorted(SQLModel.metadata.tables))
        """
    )
    assert out.strip() == f"feeds {_TABLES}"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Nothing"):
        _ = schemas.Nothing  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from schemas import Nothing  # type: ignore[attr-defined]  # noqa: F401, PLC0415
