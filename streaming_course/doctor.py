"""`streaming-course doctor`: what this machine has, the course's mode, and what is wrong.

    $ streaming-course doctor
    Python        3.11.7
    anthropic     2.12.0
    ...
    no problems found

It reports whether a key was found, never the key.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from .bedrock import bedrock_status
from .client import mode_banner
from .config import ConfigError, load_settings
from .i18n import display_width, message, pad
from .replay.fixture import FixtureError
from .replay.library import FixtureLibrary
from .replay.sources import all_outdated_fixtures

MINIMUM_JUPYTERLAB = (4, 3, 6)  # 4.3.0–4.3.5 overwrote line starts of text streamed with end=""


def run() -> int:
    """Print the report; exit code 1 when a problem was found."""
    problems: list[str] = []
    rows = [("Python", platform.python_version())]
    for package in ("anthropic", "httpx2", "jupyterlab", "ipywidgets", "ipykernel"):
        rows.append((package, _version(package)))
    lab = _version("jupyterlab")
    if lab == message("doctor.not_installed"):
        problems.append(message("doctor.no_jupyterlab"))
    elif _as_tuple(lab) < MINIMUM_JUPYTERLAB:
        problems.append(message("doctor.old_jupyterlab", version=lab))

    try:
        settings = load_settings()
    except ConfigError as error:
        problems.append(str(error))
        settings = None
    if settings is not None:
        rows += [
            (message("doctor.mode"), settings.mode),
            (message("doctor.key_found"), _yes_no(settings.has_api_key)),
            (".env", message("doctor.found" if settings.dotenv_path else "doctor.not_found")),
            (message("doctor.model"), settings.model),
            (message("doctor.replay_speed"), f"{settings.replay_speed:g}"),
        ]
        if settings.mode == "live" and not settings.has_api_key:
            problems.append(message("mode.no_key"))
        rows.append((message("doctor.fixtures"), _fixture_count(settings.fixture_dirs, problems)))
        rows.append((message("doctor.banner"), mode_banner(settings) if not problems else "-"))
    rows += bedrock_status()
    try:
        stale = all_outdated_fixtures()
    except FixtureError as error:
        problems.append(str(error))
        stale = []
    if stale:
        problems.append(message("doctor.stale_fixtures", count=len(stale)))

    width = max(display_width(name) for name, _ in rows)
    for name, value in rows:
        print(f"{pad(name, width)}  {value}")
    print()
    for problem in problems:
        print(message("doctor.problem", problem=problem))
    if not problems:
        print(message("doctor.no_problems"))
    return 1 if problems else 0


def _yes_no(value: bool) -> str:
    return message("doctor.yes" if value else "doctor.no")


def _fixture_count(folders: tuple, problems: list[str]) -> str:
    try:
        library = FixtureLibrary.from_dirs(folders)
    except FixtureError as error:
        problems.append(str(error))
        return "unreadable"
    return str(len(library.fixtures))


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return message("doctor.not_installed")


def _as_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)
