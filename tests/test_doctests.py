"""Every docstring example in `streaming_course` runs, as `pytest --doctest-modules` runs them.

Learners read the package; an example that no longer works would teach them something wrong.
Examples that need a key, a network or a notebook are marked ``# doctest: +SKIP`` where they
stand. This runs the same collection as ``pytest --doctest-modules streaming_course``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_docstring_example_runs():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--doctest-modules",
            "streaming_course",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-o",
            "testpaths=",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
