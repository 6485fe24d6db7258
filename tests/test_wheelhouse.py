"""`course.py wheelhouse`, then the course installed from it into a fresh venv, network blocked.

These tests download from the package index (pip's cache makes a second run cheap), so they
carry the `wheelhouse` marker: CI runs them; deselect them locally with `-m "not wheelhouse"`.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.wheelhouse

spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)

UNREACHABLE = "http://127.0.0.1:9/simple"  # the discard port: nothing answers there


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course's wheelhouse, made exactly as README says, with this venv's pip."""
    folder = tmp_path_factory.mktemp("usb-stick") / "wheelhouse"
    command = [sys.executable, "course.py", "wheelhouse", str(folder), "--venv", sys.prefix]
    subprocess.run(command, cwd=ROOT, check=True, timeout=900)
    return folder


@pytest.fixture
def network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip may use only what it is given: no index, no config file, no extra find-links."""
    for name in list(os.environ):
        if name.upper().startswith("PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE)  # if --no-index were lost, this fails
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def test_wheelhouse_holds_the_build_backend_and_the_test_tools(wheelhouse: Path) -> None:
    names = {path.name.split("-")[0].lower() for path in wheelhouse.glob("*.whl")}
    assert {"hatchling", "editables", "pip", "anthropic", "jupyterlab"} <= names
    assert {"pytest", "nbval", "boto3"} <= names  # `test` works offline, appendix included
    assert not list(wheelhouse.glob("*.tar.gz")), "an sdist would need building offline"


def test_fresh_venv_installs_the_course_from_the_wheelhouse_alone(
    wheelhouse: Path, tmp_path: Path, network_blocked: None
) -> None:
    python = course.ensure_venv(tmp_path / "venv")
    course.install(python, ".[test]", wheelhouse)  # what `course.py test --wheelhouse` runs

    check = "import streaming_course, boto3, nbval; print(streaming_course.__name__)"
    imported = subprocess.run([python, "-c", check], capture_output=True, text=True, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "streaming_course"
    consistent = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)
    assert consistent.returncode == 0, consistent.stdout


@pytest.mark.parametrize(
    ("platform", "windows_only_dependency_expected"),
    [("win_amd64", True), ("manylinux_2_28_x86_64", False)],
)
def test_another_platforms_wheelhouse_follows_its_markers(
    tmp_path: Path, platform: str, windows_only_dependency_expected: bool
) -> None:
    # tqdm needs colorama on Windows only; pip alone would decide by this machine (Linux)
    course.build_wheelhouse(
        Path(sys.executable), tmp_path, [platform], ["3.12"], requirements=["tqdm>=4.66"]
    )
    names = {path.name.split("-")[0].lower() for path in tmp_path.glob("*.whl")}
    assert "tqdm" in names
    assert ("colorama" in names) is windows_only_dependency_expected
