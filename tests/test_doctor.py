"""`streaming-course doctor`: the Japanese-font note, and a course installed without boto3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streaming_course import doctor
from streaming_course.i18n import message

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_japanese_font_is_a_note_saying_how_to_install_one(
    language: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("STREAMING_COURSE_LANG", language)
    shown, warning = doctor.japanese_font_status("Linux", lister=lambda: [])
    assert shown == message("doctor_fonts.none", language=language)
    assert warning is not None and "fonts-noto-cjk" in warning
    assert ("日本語" in warning) is (language == "ja")


def test_a_japanese_font_found_is_named_and_needs_no_note():
    fonts = ["IPAexGothic", "Noto Sans CJK JP", "Takao Gothic"]
    shown, warning = doctor.japanese_font_status("Linux", lister=lambda: fonts)
    assert shown == "IPAexGothic, Noto Sans CJK JP (+1)"
    assert warning is None


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_macos_and_windows_have_japanese_fonts_without_asking(system: str):
    def never() -> list[str]:
        raise AssertionError("fontconfig asked on a system that ships Japanese fonts")

    shown, warning = doctor.japanese_font_status(system, lister=never)
    assert shown == message(
        "doctor_fonts.builtin", system="macOS" if system == "Darwin" else system
    )
    assert warning is None


def test_without_fontconfig_the_doctor_says_it_could_not_check():
    shown, warning = doctor.japanese_font_status("Linux", lister=lambda: None)
    assert shown == message("doctor_fonts.unchecked") and warning is None


def test_fonts_are_read_from_fc_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / "fc-list"  # prints what fc-list prints: "family[,localized family]"
    fake.write_text(
        "#!/bin/sh\n"
        '[ "$1" = ":lang=ja" ] || exit 3\n'
        "printf 'Noto Sans CJK JP,Noto Sans CJK JP Regular\\nIPAexGothic\\nIPAexGothic\\n'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert doctor.japanese_fonts() == ["IPAexGothic", "Noto Sans CJK JP"]
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert doctor.japanese_fonts() is None


def test_the_report_shows_the_font_row_and_the_note_without_failing_for_it(capsys):
    code = doctor.run(font_lister=lambda: [])
    report = capsys.readouterr().out
    assert message("doctor_fonts.label") in report
    assert message("doctor_fonts.note", warning=message("doctor_fonts.warning")) in report
    assert code == (0 if message("doctor.no_problems") in report else 1)


# Run in a fresh interpreter where boto3 and botocore cannot be imported, as after a plain install.
WITHOUT_BOTO3 = """
import sys
sys.modules["boto3"] = sys.modules["botocore"] = None
from streaming_course import doctor
code = doctor.run(font_lister=lambda: ["IPAexGothic"])
try:
    from streaming_course.bedrock import make_bedrock_client
except ImportError as error:
    print("IMPORT ERROR:", error)
from streaming_course.maintain.sources import all_outdated_fixtures
print("OUTDATED:", len(all_outdated_fixtures()))
"""


def test_without_boto3_the_course_and_doctor_work_and_bedrock_says_how_to_install_it():
    env = {**os.environ, "STREAMING_COURSE_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_BOTO3], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("boto3") and "--extra bedrock" in line for line in lines)
    (error,) = [line for line in lines if line.startswith("IMPORT ERROR:")]
    assert 'pip install -e ".[bedrock]"' in error and "restart the kernel" in error
    assert any(line.startswith("OUTDATED: ") for line in lines)  # the fixture check ran
