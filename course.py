"""Set up the course and open it, or test it: one command each, with only Python ≥ 3.11.

    python3 course.py lab     # make .venv, install the course, open it in JupyterLab
    python3 course.py test    # make .venv, install the course and its tests, run them all

Both create (or reuse) the virtual environment in `.venv` (`--venv DIR` for another place)
and install the course into it with pip; nothing is installed outside it. Standard library
only, so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MINIMUM_PYTHON = (3, 11)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("lab", "test"))
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="where to install")
    parser.add_argument("--edition", default="en", help="lab: the notebooks' language (en, ja)")
    args, extra = parser.parse_known_args()
    if sys.version_info < MINIMUM_PYTHON:
        print(f"The course needs Python ≥ 3.11; this is {sys.version.split()[0]}.", file=sys.stderr)
        return 2
    python = ensure_venv(args.venv.resolve())
    if args.command == "lab":
        install(python, ".")
        return run_lab(python, args.edition, extra)
    install(python, ".[test]")
    return run_tests(python, extra)


def ensure_venv(folder: Path) -> Path:
    """Create the virtual environment if needed; return its Python."""
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"creating a virtual environment in {folder}")
        venv.EnvBuilder(with_pip=True, clear=False).create(folder)
    return python


def install(python: Path, target: str) -> None:
    """Install the course (editable, so the helper module you read is the one that runs)."""
    print(f"installing {target} into the virtual environment")
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([python, "-m", "pip", "install", "--quiet", "--editable", target])


def run_lab(python: Path, edition: str, extra: list[str]) -> int:
    """Open JupyterLab on the edition's notebooks (replay mode unless `.env` has a key)."""
    folder = ROOT / "notebooks" / edition
    command = [python, "-m", "jupyterlab", f"--notebook-dir={folder}", *extra]
    return subprocess.call(command, env=venv_environment(python))


def venv_environment(python: Path, **overrides: str) -> dict[str, str]:
    """This environment with the venv's commands first on PATH, as if it were activated."""
    path = os.pathsep.join([str(python.parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "VIRTUAL_ENV": str(python.parent.parent), **overrides}


def run_tests(python: Path, extra: list[str]) -> int:
    """Lint, then run every test and notebook offline, replaying with strict matching."""
    env = venv_environment(
        python,
        STREAMING_COURSE_MODE="replay",
        STREAMING_COURSE_REPLAY_STRICT="1",
        ANTHROPIC_API_KEY="",
    )
    steps = [
        ["ruff", "check", "."],
        ["pytest", "tests", *extra],  # alone: the timing tests measure milliseconds
        ["pytest", "notebooks", "-n", "2", "--dist", "loadfile", *extra],  # a kernel per core
    ]
    for step in steps:
        print("$", *step)
        code = subprocess.call([python, "-m", *step], cwd=ROOT, env=env)
        if code != 0:
            return code
    return 0


def run(command: list) -> None:
    subprocess.run(command, check=True, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
