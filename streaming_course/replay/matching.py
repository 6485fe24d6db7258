"""How a request is matched to its recording, and why one found none, in words.

A request matches a recording when the fields that decide the reply are equal
(`match_key`). A learner who edits a lesson's prompt, system prompt or history, or asks
for fewer tokens, gets no recording in replay mode; saying *which* part differs from the
closest recording tells them what to change back (or what to record).

    >>> recorded = {"max_tokens": 64, "system": "Be brief.",
    ...             "messages": [{"role": "user", "content": "Hi"}]}
    >>> differing_fields({**recorded, "system": "Be long."}, recorded)
    ['system']
    >>> differing_fields({**recorded, "messages": [{"role": "user", "content": "Hello"}]}, recorded)
    ['user_text']
    >>> earlier = [{"role": "user", "content": "Yo"}, {"role": "assistant", "content": "Hey"}]
    >>> differing_fields({**recorded, "messages": earlier + recorded["messages"]}, recorded)
    ['history']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..i18n import message

MATCHED_FIELDS = (  # the model is not one: changing the course's model keeps replay working
    "messages",
    "system",
    "max_tokens",
    "tools",
    "tool_choice",
    "thinking",
    "stop_sequences",
    "stream",
)

FIELDS = ("user_text", "history", *MATCHED_FIELDS[1:], "model")
"""The parts of a request a miss is explained by, most telling first."""


def differing_fields(wanted: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    """The `FIELDS` in which `wanted` differs from `recorded` (the model only if asked for)."""
    a, b = json.loads(match_key(wanted)), json.loads(match_key(recorded))
    found = _message_differences(a.get("messages", []), b.get("messages", []))
    for name in FIELDS[2:-1]:
        if a.get(name) != b.get(name):
            found.append(name)
    if wanted.get("model") != recorded.get("model"):
        found.append("model")
    return found


def _message_differences(wanted: list[Any], recorded: list[Any]) -> list[str]:
    if wanted == recorded:
        return []
    if len(wanted) == len(recorded) and wanted[:-1] == recorded[:-1]:
        return ["user_text"]
    if wanted[-1:] == recorded[-1:]:
        return ["history"]
    return ["history", "user_text"] if wanted[:-1] != recorded[:-1] else ["user_text"]


def in_words(fields: list[str]) -> str:
    """The fields as the learner's language names them, e.g. "the system prompt"."""
    return message("miss.joiner").join(message(f"miss.field_{name}") for name in fields)


def match_key(request: dict[str, Any]) -> str:
    """A canonical string of the fields that decide the reply (the model is not one)."""
    fields = {name: request[name] for name in MATCHED_FIELDS if name in request}
    fields["stream"] = bool(fields.get("stream", False))
    if "messages" in fields:
        fields["messages"] = [_normalize_message(message) for message in fields["messages"]]
    if isinstance(fields.get("system"), str):
        fields["system"] = [{"type": "text", "text": fields["system"]}]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


def _normalize_message(message: dict[str, Any]) -> dict[str, Any]:
    """`"content": "hi"` and `"content": [{"type": "text", "text": "hi"}]` mean the same."""
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": [{"type": "text", "text": content}]}
    return message


FIXTURE_SUFFIXES = (".sse", ".http")
"""The files that hold Messages API recordings."""


@dataclass(frozen=True)
class FixtureKind:
    """Which recordings a `FixtureLibrary` reads, and how a request finds its own among them.

    The Messages API's (`MESSAGES`) is the default. Bedrock's Converse brings its own
    (``bedrock.converse.CONVERSE``): other files, other fields, another name for the model.

        >>> MESSAGES.key({"model": "m", "max_tokens": 8}), MESSAGES.model_field
        ('{"max_tokens": 8, "stream": false}', 'model')
    """

    suffixes: tuple[str, ...] = FIXTURE_SUFFIXES
    key: Callable[[dict[str, Any]], str] = match_key  # the fields that decide the reply
    model_field: str = "model"  # preferred when several recordings match, required when strict
    differing: Callable[[dict[str, Any], dict[str, Any]], list[str]] = differing_fields
    miss: str = "miss.strict"  # the catalog's line for a strict miss, with {closest}


MESSAGES = FixtureKind()
