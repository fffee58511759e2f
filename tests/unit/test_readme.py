"""The README's promises: two commands first, and CI runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert block is not None
    return [
        line
        for line in block.group(1).splitlines()
        if line and not line.startswith("#")
    ]


def test_the_readme_opens_with_a_run_command_and_a_test_command() -> None:
    run, test = _readme_commands()
    assert "newsfeed crawl --sample" in run
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    _, test = _readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()
