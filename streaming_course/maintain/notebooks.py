"""Re-execute the course's notebooks in replay mode and save their outputs.

This is the only way the outputs committed with the notebooks change, so they are always
what the code printed when it last ran:

    $ streaming-course notebooks run                  # every English notebook, recorded pace
    $ streaming-course notebooks run --edition ja 05-time-to-first-token.ipynb

Each notebook runs in a fresh kernel started in its own folder, with strict replay (a
request without a recording fails the run) and no API key in the kernel's environment.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"  # the course folder's notebooks/
_LEAKS = re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}|/home/|/root/|/Users/|/tmp/[\w.-]+/")


class NotebookRunError(RuntimeError):
    """A notebook failed to run or printed something that must not be committed."""


def notebook_paths(edition: str = "en", names: list[str] | None = None) -> list[Path]:
    """The edition's notebooks in course order (or the named ones)."""
    folder = NOTEBOOKS_DIR / edition
    if not folder.is_dir():
        raise NotebookRunError(f"No edition {edition!r}: {folder} does not exist.")
    paths = sorted(folder.glob("[0-9]*.ipynb"))
    if names:
        paths = [path for path in paths if path.name in names or path.stem in names]
    return paths


def run_notebook(path: Path, speed: float = 1.0, timeout: int = 600) -> None:
    """Execute `path` in replay mode and save it with its new outputs."""
    import nbformat  # slow to import: only when notebooks are run
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with _replay_environment(speed):
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,  # no per-cell timestamps: a re-run changes only what changed
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    leak = _LEAKS.search(json.dumps([cell.get("outputs", []) for cell in notebook.cells]))
    if leak:
        raise NotebookRunError(f"{path.name}: an output contains {leak.group()!r}; not saved.")
    nbformat.write(notebook, path)


@contextmanager
def _replay_environment(speed: float) -> Iterator[None]:
    """The environment the kernel inherits: replay, strict, no key, this Python's commands."""
    scripts = str(Path(sys.executable).parent)  # so `!streaming-course ...` cells find it
    wanted = {
        "STREAMING_COURSE_MODE": "replay",
        "STREAMING_COURSE_REPLAY_STRICT": "1",
        "STREAMING_COURSE_REPLAY_SPEED": str(speed),
        "ANTHROPIC_API_KEY": "",
        "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")]),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
