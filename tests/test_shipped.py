"""What the repository ships: readable fixtures that match their sources, and no secrets."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from streaming_course.config import PACKAGE_FIXTURES
from streaming_course.maintain.sources import all_outdated_fixtures
from streaming_course.replay.library import FixtureLibrary

ROOT = Path(__file__).resolve().parent.parent
KEY_PATTERN = r"sk-ant-[A-Za-z0-9_-]{8,}"


def test_shipped_fixtures_load_and_match_their_sources():
    library = FixtureLibrary.from_dirs([PACKAGE_FIXTURES])
    assert library.fixtures
    assert all_outdated_fixtures() == [], "run `streaming-course fixtures build`"


def test_no_api_key_is_committed():
    found = subprocess.run(
        ["git", "grep", "-nIE", KEY_PATTERN], cwd=ROOT, capture_output=True, text=True
    )
    assert found.returncode in (0, 1), found.stderr  # 1 = no match
    assert found.stdout == ""


def test_no_fixture_carries_auth_headers():
    for path in PACKAGE_FIXTURES.rglob("*"):
        if path.suffix in (".sse", ".http"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"authorization|x-api-key|organization-id", text, re.I), path
            assert not re.search(KEY_PATTERN, text), path
