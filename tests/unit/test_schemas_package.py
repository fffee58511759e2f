"""The ``schemas`` package loads its tables on first use, and then all of them.

Each case runs in a fresh interpreter, since it is about what an import brings in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import schemas

_REPO = Path(__file__).resolve().parents[2]
_TABLES = [
    "articles",
    "crawl_urls",
    "feeds",
    "fetch_attempts",
    "related_links",
    "revisions",
    "url_aliases",
]


def _run(code: str) -> str:
    # The checkout under test, not whichever copy is installed.
    path = os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_the_exception_tree_and_the_cli_import_no_table_and_no_orm() -> None:
    out = _run(
        """
        import sys
        import worker.errors, worker.cli
        print("schemas.enums" in sys.modules, sorted(
            m for m in sys.modules
            if m == "sqlmodel" or m.removeprefix("schemas.") in ("article", "feed", "link")
        ))
        """
    )
    assert out == "True []"


def test_taking_one_table_registers_every_table() -> None:
    out = _run(
        """
        from sqlmodel import SQLModel
        from schemas import Feed
        print(Feed.__tablename__, sorted(SQLModel.metadata.tables))
        """
    )
    assert out == f"feeds {_TABLES}"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Nothing"):
        _ = schemas.Nothing  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        from schemas import Nothing  # type: ignore[attr-defined]  # noqa: F401, PLC0415
