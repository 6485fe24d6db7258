"""The appendix's Converse fixtures, written from reply texts kept in TOML files.

They live next to the Messages API exchanges, in the same ``fixtures/sources/*.toml``
files, as ``[[converse]]`` tables; each becomes ``fixtures/<group>/<name>.converse``::

    [[converse]]
    name = "converse-tides"          # the file's name
    model = "bedrock"                # "bedrock" (the appendix's default) or a model id
    max_tokens = 300
    prompt = "Why are there two high tides a day?"  # or: messages = [{ role = "user", … }]
    request = { system = [{ text = "Be brief." }] }  # other converse_stream arguments
    reply = "The Moon pulls…"
    fault = { kind = "error", after_tokens = 30, error_type = "throttlingException",
              message = "Too many tokens, please wait before trying again." }   # optional

`streaming-course fixtures build` calls `build_converse_fixtures()`.

    >>> [path.name for path in build_converse_fixtures()]            # doctest: +SKIP
    ['converse-tides.converse', 'converse-throttled.converse']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..bedrock.converse import CONVERSE_SUFFIX, synthesize_converse
from ..bedrock.settings import DEFAULT_BEDROCK_MODEL
from ..replay.fixture import Fixture
from ..replay.synth import Fault
from .source_files import SOURCES_DIR, outdated, plan_each, write_planned

MODEL_ALIASES = {"bedrock": DEFAULT_BEDROCK_MODEL}


def plan_converse_fixtures(sources: Path = SOURCES_DIR) -> list[tuple[Path, Fixture]]:
    """Every Converse fixture the sources describe, with the path it belongs at."""
    return plan_each("converse", lambda table, group, _: [_planned(table, group)], sources)


def build_converse_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Write every planned fixture; Converse files no source describes any more are removed."""
    return write_planned(plan_converse_fixtures(sources), suffixes=(CONVERSE_SUFFIX,))


def outdated_converse_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Converse fixture files that differ from what their sources would write now."""
    return outdated(plan_converse_fixtures(sources))


def converse_request(exchange: dict[str, Any]) -> dict[str, Any]:
    """The ``converse_stream`` arguments an exchange stands for.

    >>> converse_request({"prompt": "Hi", "max_tokens": 50})["inferenceConfig"]
    {'maxTokens': 50}
    """
    model = exchange.get("model", "bedrock")
    messages = exchange.get("messages") or [
        {"role": "user", "content": [{"text": exchange["prompt"]}]}
    ]
    return {
        "modelId": MODEL_ALIASES.get(model, model),
        "messages": messages,
        "inferenceConfig": {"maxTokens": int(exchange["max_tokens"])},
        **exchange.get("request", {}),
    }


def _planned(exchange: dict[str, Any], group: Path) -> tuple[Path, Fixture]:
    name = exchange["name"]
    fault = Fault(**exchange["fault"]) if "fault" in exchange else None
    fixture = synthesize_converse(
        converse_request(exchange), exchange["reply"], seed=f"{group.name}/{name}", fault=fault
    )
    return group / f"{name}{CONVERSE_SUFFIX}", fixture
