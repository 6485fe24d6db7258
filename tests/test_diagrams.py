"""The diagram script draws all eight PNGs, with every glyph present, the same way each run."""

from __future__ import annotations

import importlib.util
import re
import struct
import warnings
from pathlib import Path
from types import ModuleType

import pytest

from streaming_course.cli import main
from streaming_course.maintain.diagrams.look import Style, labels

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "draw_diagrams.py"
DRAWING = ROOT / "streaming_course" / "maintain" / "diagrams"
NAMES = (
    "stream-event-sequence.png",
    "content-block-events.png",
    "token-usage.png",
    "ttft-timeline.png",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """scripts/ is not a package: load the script as a module from its path."""
    spec = importlib.util.spec_from_file_location("draw_diagrams", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_draws_all_diagrams_in_both_languages(script: ModuleType, tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert script.main(["--lang", "all", "--out", str(tmp_path)]) == 0

    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing

    expected = [tmp_path / name for name in NAMES] + [tmp_path / "ja" / name for name in NAMES]
    for path in expected:
        assert path.is_file(), f"{path} was not written"
        width, height = png_size(path)
        assert 1200 <= width <= 1600, (path, width)
        assert 400 <= height <= 2400, (path, height)
        assert path.stat().st_size > 20_000, f"{path} is suspiciously small"
    assert sorted(tmp_path.rglob("*.png")) == sorted(expected)


def test_output_is_deterministic(script: ModuleType, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    script.main(["--lang", "en", "--out", str(first)])
    assert main(["diagrams", "--lang", "en", "--out", str(second)]) == 0  # the same drawing
    for name in NAMES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_both_languages_have_the_same_labels_and_every_label_is_drawn() -> None:
    assert labels("en").keys() == labels("ja").keys()
    assert len(Style("en").fragments) == len(Style("ja").fragments) == 4
    code = "\n".join(path.read_text() for path in DRAWING.glob("*.py"))
    named = set(re.findall(r'"(\w+)"', code))  # style["seq_title"], ("ping", "seq_ping", ...)
    assert labels("en").keys() <= named, labels("en").keys() - named
