"""A cell run before the set-up cell gets one line saying what to do, in a real kernel.

`course.py lab` writes the IPython kernel configuration that loads
`streaming_course.notebook_help` into the venv's ``etc/ipython``; here the same file goes
into a temporary IPython folder (``IPYTHONDIR``), so the test leaves the venv alone.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from IPython.core.application import ENV_CONFIG_DIRS
from jupyter_client.manager import start_new_kernel

from streaming_course.i18n import message
from streaming_course.notebook_help import KERNEL_CONFIG, SETUP_DONE, SETUP_NAMES

ROOT = Path(__file__).parent.parent
spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)


def test_course_py_configures_the_venvs_kernels(tmp_path):
    path = course.load_notebook_help(tmp_path)
    assert path.parent == tmp_path / "etc" / "ipython"  # IPython reads sys.prefix/etc/ipython
    assert str(Path(sys.prefix) / "etc" / "ipython") in ENV_CONFIG_DIRS
    course.load_notebook_help(tmp_path)  # twice: still listed once
    assert json.loads(path.read_text()) == KERNEL_CONFIG


def test_every_name_a_set_up_cell_defines_is_known():
    for notebook in sorted((ROOT / "notebooks").glob("*/[0-9]*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        (setup,) = [cell for cell in cells if cell.get("id") == "setup"]
        defined = set()
        for node in ast.walk(ast.parse("".join(setup["source"]))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.alias):
                defined.add(node.asname or node.name.split(".")[0])
        assert SETUP_DONE in defined and defined <= SETUP_NAMES, (notebook.name, defined)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    ipython_dir = tmp_path_factory.mktemp("ipython")
    (ipython_dir / "profile_default").mkdir()
    config = course.load_notebook_help(tmp_path_factory.mktemp("venv"))
    shutil.copy(config, ipython_dir / "profile_default" / config.name)
    env = {**os.environ, "IPYTHONDIR": str(ipython_dir), "STREAMING_COURSE_LANG": "en"}
    manager, client = start_new_kernel(env=env, cwd=str(tmp_path_factory.mktemp("work")))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def errors_of(client, code: str) -> list[dict]:
    errors: list[dict] = []

    def keep(msg: dict) -> None:
        if msg["msg_type"] == "error":
            errors.append(msg["content"])

    reply = client.execute_interactive(code, output_hook=keep, timeout=60)
    assert reply["content"]["status"] == "error"  # still an error: Run All stops there
    return errors


def test_a_set_up_name_gets_one_line_in_the_learners_language(kernel):
    (error,) = errors_of(kernel, "client.messages")
    assert error["traceback"] == [message("notebook_help.run_setup_first", "en", name="client")]
    kernel.execute_interactive("import os; os.environ['STREAMING_COURSE_LANG'] = 'ja'")
    (error,) = errors_of(kernel, "print(MODEL)")
    assert error["traceback"] == [message("notebook_help.run_setup_first", "ja", name="MODEL")]
    assert error["ename"] == "NameError"


def test_other_name_errors_keep_their_traceback(kernel):
    (error,) = errors_of(kernel, "clinet.messages")
    assert len(error["traceback"]) > 1 and "clinet" in error["traceback"][-1]
    kernel.execute_interactive("settings = object()")  # the set-up has run: no more hint
    (error,) = errors_of(kernel, "client.messages")
    assert len(error["traceback"]) > 1 and "client" in error["traceback"][-1]
