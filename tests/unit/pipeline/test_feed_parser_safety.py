"""RELIABILITY S9: every XML parser in worker/ is configured safely (an AST lint).

Every ``XMLParser`` / ``iterparse`` / ``XMLPullParser`` call sets
``resolve_entities=False`` and ``no_network=True`` and does not set ``huge_tree=True``
or ``load_dtd=True``; nothing calls ``etree.parse`` (which accepts a URL or a path).
"""

from __future__ import annotations

import ast
from pathlib import Path

WORKER = Path(__file__).parents[3] / "worker"
XML_PARSERS = {"XMLParser", "iterparse", "XMLPullParser"}


def _calls(name: set[str]) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in sorted(WORKER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                called = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else getattr(func, "id", "")
                )
                if called in name:
                    found.append((path, node))
    return found


def _keywords(call: ast.Call) -> dict[str, object]:
    return {
        keyword.arg: keyword.value.value
        for keyword in call.keywords
        if keyword.arg and isinstance(keyword.value, ast.Constant)
    }


def test_there_is_an_xml_parser_to_check() -> None:
    assert _calls(XML_PARSERS)


def test_every_xml_parser_refuses_entities_network_dtds_and_huge_trees() -> None:
    for path, call in _calls(XML_PARSERS):
        keywords = _keywords(call)
        where = f"{path}:{call.lineno}"
        assert keywords.get("resolve_entities") is False, where
        assert keywords.get("no_network") is True, where
        assert keywords.get("huge_tree") is not True, where
        assert keywords.get("load_dtd") is not True, where


def test_nothing_parses_xml_from_a_url_or_a_path() -> None:
    assert [
        f"{path}:{call.lineno}"
        for path, call in _calls({"parse"})
        if isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "etree"
    ] == []
