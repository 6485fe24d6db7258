"""Per-student tokens: the instructor hands each student one line of the tokens file.

A tokens file has one ``name token`` pair a line (``#`` starts a comment). Students put
their token in `.env` as ``ANTHROPIC_API_KEY``; only the gateway knows the real key.

    >>> pairs = new_tokens(2)
    >>> [name for name, _ in pairs]
    ['student01', 'student02']
    >>> parse_tokens("alice class-abcdefghijklmnop\\n# a comment\\n")
    {'class-abcdefghijklmnop': 'alice'}
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..config import ConfigError
from ..i18n import message

TOKEN_PREFIX = "class-"
MIN_TOKEN_LENGTH = 16


class ClassroomError(ConfigError):
    """The gateway cannot start or a command cannot run; the message says what to do."""


def new_tokens(count: int, prefix: str = "student") -> list[tuple[str, str]]:
    """`count` (name, token) pairs with random tokens, named prefix01, prefix02, ..."""
    if count < 1:
        raise ClassroomError(message("classroom.tokens_count", count=count))
    width = max(2, len(str(count)))
    return [
        (f"{prefix}{number:0{width}d}", TOKEN_PREFIX + secrets.token_urlsafe(18))
        for number in range(1, count + 1)
    ]


def write_tokens(pairs: list[tuple[str, str]], path: Path, force: bool = False) -> Path:
    """Write the pairs to `path`, readable by its owner only (mode 0600)."""
    if path.exists() and not force:
        raise ClassroomError(message("classroom.tokens_exists", path=path))
    text = "".join(f"{name} {token}\n" for name, token in pairs)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)  # O_CREAT's mode does not apply to a file that already existed
    return path


def read_tokens(path: Path) -> dict[str, str]:
    """The students of a tokens file, as {token: name}."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ClassroomError(
            message("classroom.tokens_unreadable", path=path, reason=error.strerror)
        ) from None
    return parse_tokens(text, str(path))


def parse_tokens(text: str, source: str = "<text>") -> dict[str, str]:
    """Parse ``name token`` lines into {token: name}; names and tokens must be unique."""
    students: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[1]) < MIN_TOKEN_LENGTH:
            raise ClassroomError(message("classroom.tokens_bad_line", source=source, line=number))
        name, token = parts
        if token in students or name in students.values():
            raise ClassroomError(message("classroom.tokens_repeated", source=source, line=number))
        students[token] = name
    if not students:
        raise ClassroomError(message("classroom.tokens_empty", source=source))
    return students
