"""The learner's language: set explicitly, or the edition whose folder we run in.

It lives apart from `config` so that the message catalog (`i18n`) can use it while `config`
writes its own errors through the catalog.

    >>> detect_language("ja")
    'ja'
"""

from __future__ import annotations

import os
from pathlib import Path

LANGUAGES = ("en", "ja")
NOTEBOOK_FOLDERS = ("notebooks", "my-notebooks")  # the shipped lessons, a learner's working copy


def detect_language(raw: str | None = None) -> str:
    """The language of an explicit setting, else of the folder we run in: `notebooks/<lang>/`,
    or a learner's working copy `my-notebooks/<lang>/`.

    >>> detect_language("fr")  # not a language of the course: English
    'en'
    """
    if raw is None:
        raw = os.environ.get("STREAMING_COURSE_LANG", "")
    language = raw.strip().lower()
    if language:
        return language if language in LANGUAGES else "en"
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if folder.parent.name in NOTEBOOK_FOLDERS and folder.name in LANGUAGES:
            return folder.name
    return "en"
