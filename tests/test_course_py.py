"""course.py without a network or JupyterLab: working copies, reset, settings, requirements."""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A course folder with two shipped English lessons and the images they point at."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "diagram.png").write_bytes(b"png")
    shipped = tmp_path / "notebooks" / "en"
    shipped.mkdir(parents=True)
    for name in ("01-setup", "02-raw-events"):
        _notebook(shipped / f"{name}.ipynb", f"shipped {name}")
    return tmp_path


def _notebook(path: Path, text: str) -> None:
    cell = {"cell_type": "markdown", "id": "a", "metadata": {}, "source": [text]}
    content = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(content), encoding="utf-8")


def _no_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(prompt: str = "") -> str:
        raise AssertionError(f"asked {prompt!r} although --yes was given")

    monkeypatch.setattr(builtins, "input", refuse)


# --- Working copies ----------------------------------------------------------------------


def test_first_lab_copies_every_lesson_to_an_ignored_folder_at_the_same_depth(checkout: Path):
    work = course.sync_working_copy("en", root=checkout)

    assert work == checkout / "my-notebooks" / "en"
    for shipped in (checkout / "notebooks" / "en").iterdir():
        assert (work / shipped.name).read_bytes() == shipped.read_bytes()
    assert (work / "../../images/diagram.png").resolve() == checkout / "images" / "diagram.png"


def test_the_working_folder_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "my-notebooks/en/01-setup.ipynb"], cwd=ROOT
    )
    assert ignored.returncode == 0


def test_later_runs_add_new_lessons_refresh_untouched_ones_and_keep_edited_ones(
    checkout: Path, capsys: pytest.CaptureFixture[str]
):
    shipped, work = checkout / "notebooks" / "en", course.sync_working_copy("en", root=checkout)
    _notebook(work / "01-setup.ipynb", "my answer")  # the learner edits lesson 1
    _notebook(shipped / "02-raw-events.ipynb", "a fix from git pull")  # never opened by them
    _notebook(shipped / "03-text-deltas.ipynb", "a new lesson")
    capsys.readouterr()

    course.sync_working_copy("en", root=checkout)

    said = capsys.readouterr().out
    assert "my answer" in (work / "01-setup.ipynb").read_text(encoding="utf-8")
    assert (work / "02-raw-events.ipynb").read_bytes() == (
        shipped / "02-raw-events.ipynb"
    ).read_bytes()
    assert (work / "03-text-deltas.ipynb").read_bytes() == (
        shipped / "03-text-deltas.ipynb"
    ).read_bytes()
    assert "my-notebooks/en/02-raw-events.ipynb" in said and "03-text-deltas.ipynb" in said
    assert "01-setup" not in said  # edited, and shipped unchanged: nothing to say


def test_an_edited_lesson_whose_shipped_version_changed_is_kept_and_the_fix_named(
    checkout: Path, capsys: pytest.CaptureFixture[str]
):
    shipped, work = checkout / "notebooks" / "en", course.sync_working_copy("en", root=checkout)
    _notebook(work / "01-setup.ipynb", "my answer")
    _notebook(shipped / "01-setup.ipynb", "a fix from git pull")
    capsys.readouterr()

    course.sync_working_copy("en", root=checkout)

    assert "my answer" in (work / "01-setup.ipynb").read_text(encoding="utf-8")
    assert "python3 course.py reset 01-setup" in capsys.readouterr().out


# --- Reset -------------------------------------------------------------------------------


def test_reset_names_the_files_it_overwrites_and_changes_nothing_when_declined(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    work = course.sync_working_copy("en", root=checkout)
    _notebook(work / "01-setup.ipynb", "my answer")
    _notebook(work / "02-raw-events.ipynb", "my other answer")
    asked = []
    monkeypatch.setattr(builtins, "input", lambda prompt: asked.append(prompt) or "n")
    capsys.readouterr()

    code = course.reset(["01"], "en", root=checkout)

    said = capsys.readouterr().out
    assert code == 1 and len(asked) == 1
    assert "my-notebooks/en/01-setup.ipynb" in said
    assert "02-raw-events" not in said  # only what it would overwrite
    assert "my answer" in (work / "01-setup.ipynb").read_text(encoding="utf-8")


def test_reset_with_yes_restores_the_shipped_lesson_without_asking(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
):
    work = course.sync_working_copy("en", root=checkout)
    _notebook(work / "01-setup.ipynb", "my answer")
    _no_questions(monkeypatch)

    assert course.reset(["01-setup"], "en", yes=True, root=checkout) == 0

    shipped = checkout / "notebooks" / "en" / "01-setup.ipynb"
    assert (work / "01-setup.ipynb").read_bytes() == shipped.read_bytes()


def test_reset_all_restores_deleted_and_edited_lessons_after_a_yes(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
):
    work = course.sync_working_copy("en", root=checkout)
    (work / "01-setup.ipynb").unlink()
    _notebook(work / "02-raw-events.ipynb", "my answer")
    monkeypatch.setattr(builtins, "input", lambda prompt: "y")

    assert course.reset([], "en", everything=True, root=checkout) == 0

    for shipped in (checkout / "notebooks" / "en").iterdir():
        assert (work / shipped.name).read_bytes() == shipped.read_bytes()


def test_reset_of_an_unchanged_lesson_does_nothing(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    course.sync_working_copy("en", root=checkout)
    _no_questions(monkeypatch)
    assert course.reset(["02"], "en", root=checkout) == 0
    assert "Nothing to do" in capsys.readouterr().out


@pytest.mark.parametrize("lessons", [["99"], ["0"], []])
def test_reset_of_no_or_an_unknown_lesson_is_one_line_and_exit_2(
    checkout: Path, capsys: pytest.CaptureFixture[str], lessons: list[str]
):
    assert course.reset(lessons, "en", root=checkout) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "01-setup" in error or "--all" in error


def test_reset_speaks_the_editions_language(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "")  # main() sets it from --edition
    assert course.main(["reset", "99", "--edition", "ja"]) == 2
    assert "レッスン" in capsys.readouterr().err


# --- Settings and the install ----------------------------------------------------------


def test_lab_turns_off_jupyterlabs_news_in_the_settings_jupyterlab_reads(tmp_path: Path):
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import get_settings

    settings_folder = tmp_path / "share" / "jupyter" / "lab" / "settings"
    settings_folder.mkdir(parents=True)
    other = {"@jupyterlab/translation-extension:plugin": {"locale": "ja_JP"}}
    (settings_folder / "overrides.json").write_text(json.dumps(other), encoding="utf-8")

    path = course.turn_off_news(tmp_path)

    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    result, _ = get_settings(
        str(settings_folder), str(schemas), str(tmp_path / "user"), schema_name=course.NEWS_SETTING
    )
    assert result["schema"]["properties"]["fetchNews"]["default"] == "false"
    assert json.loads(path.read_text(encoding="utf-8"))["@jupyterlab/translation-extension:plugin"]
    if "JUPYTERLAB_DIR" not in os.environ:  # the venv's JupyterLab reads this very folder
        assert Path(get_app_dir()) == Path(sys.prefix) / "share" / "jupyter" / "lab"


def test_wheelhouse_requirements_include_the_build_backend_and_expand_the_course_itself():
    requirements = course.course_requirements(["test"])
    names = [r.split(">")[0].split("[")[0].split(";")[0].strip() for r in requirements]
    assert names[:3] == ["hatchling", "editables", "pip"]
    assert {"jupyterlab", "pytest", "boto3"} <= set(names)  # boto3: test → bedrock
    assert not any(name == "streaming-course" for name in names)
    assert "boto3" not in " ".join(course.course_requirements([]))  # only in the bedrock extra


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("win_amd64", {"sys_platform": "win32", "os_name": "nt", "platform_machine": "AMD64"}),
        ("win32", {"platform_system": "Windows", "platform_machine": "x86"}),
        ("macosx_11_0_arm64", {"sys_platform": "darwin", "platform_machine": "arm64"}),
        ("macosx_10_9_universal2", {"platform_system": "Darwin"}),
        ("manylinux_2_28_x86_64", {"sys_platform": "linux", "platform_machine": "x86_64"}),
        ("manylinux2014_aarch64", {"platform_system": "Linux", "platform_machine": "aarch64"}),
    ],
)
def test_target_markers_describe_the_named_platform(platform: str, expected: dict[str, str]):
    markers = course.target_markers(platform, "3.12")
    assert expected.items() <= markers.items()
    assert markers["python_version"] == "3.12"


def test_a_folder_without_wheels_is_refused_in_one_line(tmp_path: Path):
    command = [sys.executable, "course.py", "lab", "--wheelhouse", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "course.py wheelhouse" in result.stderr


@pytest.fixture
def recorded_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """main() with the venv, pip and the runs replaced by a record of what they were asked."""
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "example-1.0-py3-none-any.whl").write_bytes(b"")
    seen: dict = {"wheelhouse_folder": tmp_path / "wheelhouse"}
    monkeypatch.setenv("STREAMING_COURSE_LANG", "")  # main() sets it from --edition: undo after
    monkeypatch.setattr(course, "ensure_venv", lambda folder: Path(sys.executable))
    monkeypatch.setattr(
        course, "install", lambda python, target, wheelhouse=None: seen.update(target=target)
    )
    monkeypatch.setattr(course, "run_tests", lambda python, extra: seen.update(extra=extra) or 0)
    monkeypatch.setattr(course, "run_lab", lambda python, edition, extra: 0)
    return seen


def test_an_offline_test_run_leaves_out_the_tests_that_download(recorded_steps: dict):
    folder = str(recorded_steps["wheelhouse_folder"])
    assert course.main(["test", "--wheelhouse", folder, "-x"]) == 0
    assert recorded_steps["target"] == ".[test]"
    assert recorded_steps["extra"] == ["-m", "not wheelhouse", "-x"]
    assert course.main(["test", "-x"]) == 0  # online: everything runs
    assert recorded_steps["extra"] == ["-x"]


def test_lab_installs_the_extras_it_is_asked_for(recorded_steps: dict):
    assert course.main(["lab", "--extra", "bedrock"]) == 0
    assert recorded_steps["target"] == ".[bedrock]"
    assert course.main(["lab"]) == 0
    assert recorded_steps["target"] == "."
