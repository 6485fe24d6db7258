"""Every English lesson, run the way a new learner runs it: opened in JupyterLab, Run All.

One JupyterLab (serving a temporary copy of the course's notebooks and the files they read, so
JupyterLab's saves and checkpoints never touch the repository) and one headless Chromium tab
serve all nine lessons, in order, as a learner takes them: each notebook is opened, its outputs
cleared and all its cells run; then no cell may show an error, and every code cell must have
run. The notebook is closed and its kernel shut down before the next opens: one kernel at a
time. Replay is strict, without a key, at 100 × the recorded pace. One screenshot per lesson
goes into a temporary folder (printed with ``-s``); errors name their cell by its place in the
notebook, counting from 1, Markdown cells included.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); without it the test is skipped,
unless ``STREAMING_COURSE_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import lab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks" / "en").glob("*.ipynb"))
COURSE_FOLDERS = ("notebooks", "images")
COURSE_FILES = (".env.example", ".gitignore")
"""What the copy holds: the notebooks and what they read through ``../..`` (their pictures, the
setup lesson's `.env.example` and `.gitignore`), in the repository's layout. A developer's own
`.env` stays out."""
SECONDS_PER_NOTEBOOK = 120
ENV = {
    "STREAMING_COURSE_MODE": "replay",
    "STREAMING_COURSE_REPLAY_STRICT": "1",
    "STREAMING_COURSE_REPLAY_SPEED": "100",
    "ANTHROPIC_API_KEY": "",
    "PATH": os.pathsep.join([lab.VENV_BIN, os.environ.get("PATH", "")]),
    # a new learner's defaults: the course's models, the folder's language, its own recordings
    "STREAMING_COURSE_MODEL": "",
    "STREAMING_COURSE_LARGE_MODEL": "",
    "STREAMING_COURSE_LANG": "",
    "STREAMING_COURSE_FIXTURES": "",
}

RUN_ALL = f"""(path) => {{
    {lab.PANEL}
    jupyterapp.shell.activateById(panel.id);
    jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
    const runs = (window.runAll ??= {{}});
    runs[path] = {{ settled: false, succeeded: null }};
    jupyterapp.commands.execute('notebook:run-all-cells').then(
        (succeeded) => {{ runs[path] = {{ settled: true, succeeded }}; }},
        (error) => {{ runs[path] = {{ settled: true, succeeded: String(error) }}; }});
    return [...panel.content.model.cells].filter((cell) => cell.type === 'code').length;
}}"""
"""Clears the notebook's outputs and starts Run All without awaiting it (its promise would hold
Playwright for the whole run); the promise's end is noted in `window.runAll[path]`."""

STATE = f"""(path) => {{
    {lab.PANEL}
    const index = (element) =>
        panel.content.widgets.findIndex((cell) => cell.node.contains(element));
    const shown = [...panel.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],' +
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
        .filter((output) => output.dataset.mimeType.endsWith('error') ||
                            output.textContent.includes("Traceback"))
        .map((output) => `cell ${{index(output) + 1}}: ${{output.textContent}}`);
    const stored = [];
    const unrun = [];
    [...panel.content.model.cells].forEach((cell, i) => {{
        if (cell.type !== 'code') return;
        if (cell.executionCount == null || cell.executionState === 'running') unrun.push(i + 1);
        for (const output of cell.outputs.toJSON()) {{
            if (output.output_type === 'error') {{
                stored.push(`cell ${{i + 1}}: ${{output.ename}}: ${{output.evalue}}`);
            }}
        }}
    }});
    return {{
        ...window.runAll[path],
        kernel: panel.sessionContext.session?.kernel?.status ?? 'none',
        unrun,
        shown,
        stored,
    }};
}}"""
"""Where the run is: Run All's end, the kernel's status, the code cells without an execution
count, and the errors, as shown (JupyterLab 4.6 renders an error output as a stderr text with
the traceback) and as held in the notebook's model (an error with no traceback shows no
"Traceback")."""


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    return lab.require_chromium()


@pytest.fixture(scope="module")
def page(chromium_path: Path, jupyterlab: lab.Lab) -> Iterator[object]:
    """One tab of one headless Chromium, closed before JupyterLab stops (which waits for it)."""
    with lab.chromium(chromium_path) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(20_000)
        yield page


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[lab.Lab]:
    scratch = tmp_path_factory.mktemp("lab")
    root = scratch / "course"
    for name in COURSE_FOLDERS:
        shutil.copytree(
            ROOT / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    for name in COURSE_FILES:
        shutil.copy(ROOT / name, root / name)
    with lab.running_jupyterlab(root, scratch, ENV) as server:
        yield server


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_run_all_shows_no_error(page, jupyterlab, screenshots, notebook):
    path = f"notebooks/en/{notebook}"
    screenshot = screenshots / notebook.replace(".ipynb", ".png")
    try:
        lab.open_notebook(page, jupyterlab, path)
        code_cells = page.evaluate(RUN_ALL, path)
        state = _wait_for_the_run(page, path, SECONDS_PER_NOTEBOOK)
    finally:
        page.screenshot(path=str(screenshot))  # also what a failed run left on screen
        lab.close_notebook(page, path)
        jupyterlab.shut_down_kernels()  # and wait: one kernel at a time
    print(f"{notebook}: {code_cells} code cells run; screenshot: {screenshot}")
    assert not state["shown"], "errors shown:\n" + "\n\n".join(state["shown"])
    assert not state["stored"], "error outputs:\n" + "\n".join(state["stored"])
    assert state["succeeded"] is True, f"Run All did not succeed: {state['succeeded']}"
    assert not state["unrun"], f"code cells without an execution count: {state['unrun']}"


def _wait_for_the_run(page, path: str, seconds: float) -> dict:
    """The run's state once Run All has ended and the kernel is idle (or `seconds` passed)."""
    deadline = time.monotonic() + seconds
    while True:
        state = page.evaluate(STATE, path)
        if state["settled"] and state["kernel"] == "idle":
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"Run All had not ended after {seconds} s: {state}")
        time.sleep(0.25)
