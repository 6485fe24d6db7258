"""`streaming-course doctor`: what this machine has, the course's mode, and what is wrong.

    $ streaming-course doctor
    Python        3.11.7
    anthropic     2.12.0
    ...
    no problems found

It reports whether a key was found, never the key. It also says whether the browser will find
a Japanese font for the Japanese edition (the plots bundle their own), and a note if not, and
how the Bedrock appendix is set (`bedrock_status`).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from .bedrock.settings import load_bedrock_settings
from .client import mode_banner, model_warnings
from .config import ConfigError, load_settings
from .fonts import installed_japanese_fonts as japanese_fonts
from .i18n import display_width, message, pad
from .maintain.sources import all_outdated_fixtures
from .replay.fixture import FixtureError
from .replay.library import FixtureLibrary

MINIMUM_JUPYTERLAB = (4, 3, 6)  # 4.3.0–4.3.5 overwrote line starts of text streamed with end=""
FontLister = Callable[[], "list[str] | None"]  # font families for Japanese; None: cannot tell


def run(font_lister: FontLister | None = None) -> int:
    """Print the report; exit code 1 when a problem was found (a missing font is only a note)."""
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
        problems += model_warnings(settings)  # a typo in a model name fails only when live
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
    font, font_warning = japanese_font_status(lister=font_lister or japanese_fonts)
    rows.append((message("doctor_fonts.label"), font))

    width = max(display_width(name) for name, _ in rows)
    for name, value in rows:
        print(f"{pad(name, width)}  {value}")
    print()
    for problem in problems:
        print(message("doctor.problem", problem=problem))
    if not problems:
        print(message("doctor.no_problems"))
    if font_warning:
        print(message("doctor_fonts.note", warning=font_warning))
    return 1 if problems else 0


def bedrock_status() -> list[tuple[str, str]]:
    """Rows for the Bedrock appendix: boto3 installed, credentials found, region, mode, model.

        >>> for name, value in bedrock_status():          # doctest: +SKIP
        ...     print(f"{name:<22} {value}")
        boto3                  1.44.5
        AWS credentials found  no
        AWS region             not set
        Bedrock mode           replay
        Bedrock model          anthropic.claude-haiku-5-5-v1:0

    It says whether AWS credentials were found, never what they are. Without the ``bedrock``
    extra (boto3) it shows one row, ``boto3  not installed (…how to install it)``.
    """
    try:
        found, region = _aws_configuration()
    except ModuleNotFoundError:  # the bedrock extra is not installed
        return [("boto3", message("bedrock.status_not_installed"))]
    rows = [
        ("boto3", version("boto3")),
        (
            message("bedrock.status_credentials"),
            message("bedrock.status_yes" if found else "bedrock.status_no"),
        ),
        (message("bedrock.status_region"), region or message("bedrock.status_not_set")),
    ]
    try:
        settings = load_bedrock_settings()
    except ConfigError as error:
        return [*rows, (message("bedrock.status_mode"), str(error))]
    return [
        *rows,
        (message("bedrock.status_mode"), settings.mode),
        (message("bedrock.status_model"), settings.model),
    ]


def _aws_configuration() -> tuple[bool, str | None]:
    """(whether credentials were found, the region), as the Bedrock clients find them.

    `AnthropicBedrock` reads ``AWS_REGION`` first; botocore reads ``AWS_DEFAULT_REGION``
    and the profile's region.
    """
    import boto3  # noqa: F401  (only to see that the extra is installed)
    import botocore.exceptions
    import botocore.session

    session = botocore.session.Session()
    try:
        found = session.get_credentials() is not None
        region = os.environ.get("AWS_REGION") or session.get_config_variable("region")
    except botocore.exceptions.BotoCoreError:  # e.g. AWS_PROFILE names a missing profile
        return False, None
    return found, region


def japanese_font_status(
    system: str | None = None, lister: FontLister | None = None
) -> tuple[str, str | None]:
    """(what the report shows, a warning or None) for the browser's Japanese text.

    macOS and Windows ship Japanese fonts; elsewhere fontconfig is asked.

    >>> japanese_font_status("Linux", lister=lambda: ["Noto Sans CJK JP"])
    ('Noto Sans CJK JP', None)
    """
    system = system or platform.system()
    if system in ("Darwin", "Windows"):
        name = "macOS" if system == "Darwin" else system
        return message("doctor_fonts.builtin", system=name), None
    fonts = (lister or japanese_fonts)()
    if fonts is None:
        return message("doctor_fonts.unchecked"), None
    if not fonts:
        return message("doctor_fonts.none"), message("doctor_fonts.warning")
    return ", ".join(fonts[:2]) + (f" (+{len(fonts) - 2})" if len(fonts) > 2 else ""), None


def _yes_no(value: bool) -> str:
    return message("doctor.yes" if value else "doctor.no")


def _fixture_count(folders: tuple, problems: list[str]) -> str:
    library = FixtureLibrary.from_dirs(folders)
    for skipped in library.skipped:
        problems.append(message("mode.skipped_fixture", reason=skipped.reason))
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
