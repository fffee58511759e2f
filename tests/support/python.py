"""Run a snippet in a fresh interpreter that imports this checkout's code.

For tests about what a process imports or does when it exits, which the test
process itself cannot show.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str, cwd: Path | None = None) -> str:
    """stdout of ``python -c code args...``; raises if the snippet fails."""
    # The checkout under test, not whichever copy of the packages is installed.
    path = os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout
