"""Lessons 7 and 8's exercises judge what the code did: the notebooks' solutions pass, and the
plausible mistakes (a clock started after ``create()``, a field announced before it is
final, two user turns in a row…) get a ✗ that names them.

Each answer is defined from source, in a namespace built from the notebook's own cells (its
set-up, requests and tools), as the learner's code would run in the notebook.
"""

from __future__ import annotations

from typing import Any

import pytest

from .exercises_05_08 import (  # noqa: F401 — fresh_progress: an autouse fixture
    averdict,
    define,
    fresh_progress,
    judged,
    last_verdict,
    namespace,
    right,
    solution,
    verdict,
)

L05, L06 = "05-time-to-first-token", "06-stream-helpers-and-handlers"
L07, L08 = "07-beyond-text", "08-tools-in-a-streamed-loop"


# ------------------------------------------------------------------------ lesson 7: beyond text


@pytest.fixture(scope="module")
def ns07() -> dict[str, Any]:
    return namespace(L07, "setup", "tools-request", "thinking-request", "citations-request")


def test_07_solutions_are_right(ns07, capsys) -> None:
    for number, name in enumerate(["announce_fields", "measure_thinking", "footnotes"], start=1):
        answer = solution(ns07, L07, number, name)
        assert judged(capsys, "07", number, answer) == right("07", number)


def test_07_a_field_announced_as_it_appears_is_caught(ns07, capsys) -> None:
    eager = define(
        ns07,
        """
def announce_fields(stream):
    shown = set()
    with stream as events:
        for event in events:
            if event.type == "input_json":
                for key, value in event.snapshot.items():
                    if key not in shown:
                        shown.add(key)
                        print(f"{key} = {value!r}")
""",
        "announce_fields",
    )
    line = judged(capsys, "07", 1, eager)
    assert line.startswith("✗") and "while it could still change" in line


def test_07_fields_announced_only_after_the_stream_are_caught(ns07, capsys) -> None:
    after = define(
        ns07,
        """
def announce_fields(stream):
    with stream as events:
        message = events.get_final_message()
    for key, value in message.content[-1].input.items():
        print(f"{key} = {value!r}")
""",
        "announce_fields",
    )
    assert "long after it was final" in judged(capsys, "07", 1, after)


def test_07_raw_deltas_and_other_wording_pass(ns07, capsys) -> None:
    raw = define(
        ns07,
        """
def announce_fields(stream):
    done = []
    with stream as s:
        for ev in s:
            if ev.type == "content_block_delta" and ev.delta.type == "input_json_delta":
                call = s.current_message_snapshot.content[-1].input
                for name in list(call)[:-1]:
                    if name not in done:
                        done.append(name)
                        print("final:", name, "->", call[name])
            elif ev.type == "content_block_stop" and ev.content_block.type == "tool_use":
                for name, value in ev.content_block.input.items():
                    if name not in done:
                        done.append(name)
                        print("final:", name, "->", value)
""",
        "announce_fields",
    )
    assert judged(capsys, "07", 1, raw) == right("07", 1)


def test_07_thinking_estimated_from_characters_is_caught(ns07, capsys) -> None:
    guess = define(
        ns07,
        """
def measure_thinking(stream):
    thinking = answer = 0
    with stream as s:
        for event in s:
            if event.type == "thinking":
                thinking += len(event.thinking)
            elif event.type == "text":
                answer += len(event.text)
        message = s.get_final_message()
    return thinking, answer, thinking // 4, message.usage.output_tokens
""",
        "measure_thinking",
    )
    assert "read usage.output_tokens_details.thinking_tokens" in judged(capsys, "07", 2, guess)


def test_07_citations_collected_twice_are_caught(ns07, capsys) -> None:
    twice = define(
        ns07,
        """
def footnotes(stream):
    found = []
    with stream as s:
        for event in s:
            if event.type == "text":
                print(event.text, end="")
            elif event.type == "citation":
                found.append(event.citation)
            elif event.type == "content_block_delta" and event.delta.type == "citations_delta":
                found.append(event.delta.citation)
    for i, c in enumerate(found, 1):
        print(f"[{i}] {c.start_char_index}-{c.end_char_index} {c.cited_text}")
    return found
""",
        "footnotes",
    )
    assert "take them from the citation events only" in judged(capsys, "07", 3, twice)


# ---------------------------------------------------------------- lesson 8: tools in a loop


@pytest.fixture(scope="module")
def ns08() -> dict[str, Any]:
    return namespace(L08, "setup", "tools")


def test_08_solutions_are_right(ns08, capsys) -> None:
    for number, name in enumerate(["run_loop_capped", "arun_loop", "run_loop_raw"], start=1):
        answer = solution(ns08, L08, number, name)
        assert judged(capsys, "08", number, answer) == right("08", number)


def test_08_one_round_too_many_is_caught(ns08, capsys) -> None:
    over = define(
        ns08,
        """
def run_loop_capped(client, question, max_rounds):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_rounds + 1):  # one too many
        with client.messages.stream(
            model=MODEL, max_tokens=1024, tools=TOOLS, messages=messages
        ) as s:
            for text in s.text_stream:
                print(text, end="")
            message = s.get_final_message()
        messages.append(message.to_param())
        if message.stop_reason != "tool_use":
            return messages
        calls = [b for b in message.content if b.type == "tool_use"]
        messages.append({"role": "user", "content": [run_tool(b) for b in calls]})
    print("stopped after", max_rounds, "rounds")
    return messages
""",
        "run_loop_capped",
    )
    assert "your loop sent 3 requests and should have sent 2" in judged(capsys, "08", 1, over)


def test_08_a_raw_capped_loop_passes(ns08, capsys) -> None:
    raw = define(
        ns08,
        """
def run_loop_capped(client, question, max_rounds):
    history = [{"role": "user", "content": question}]
    rounds = 0
    while True:
        rounds += 1
        reader = read_events(client.messages.create(
            model=MODEL, max_tokens=1024, tools=TOOLS, messages=history, stream=True))
        for event in reader:
            print(event.text, end="")
        reply = reader.outcome.message
        history.append({"role": "assistant", "content": reply.content})
        if reply.stop_reason != "tool_use":
            return history
        if rounds >= max_rounds:
            print(f"\\ncap of {max_rounds} reached, a call is unanswered")
            return history
        history.append({"role": "user", "content": [run_tool(b) for b in reply.content
                                                    if b.type == "tool_use"]})
""",
        "run_loop_capped",
    )
    assert judged(capsys, "08", 1, raw) == right("08", 1)


def test_08_results_in_two_user_turns_are_caught(ns08, capsys) -> None:
    split = define(
        ns08,
        """
async def arun_loop(aclient, question):
    messages = [{"role": "user", "content": question}]
    while True:
        async with aclient.messages.stream(
            model=MODEL, max_tokens=1024, tools=TOOLS, messages=messages
        ) as stream:
            async for text in stream.text_stream:
                print(text, end="")
            message = await stream.get_final_message()
        messages.append(message.to_param())
        if message.stop_reason != "tool_use":
            return messages
        for block in message.content:
            if block.type == "tool_use":  # one user message per result
                messages.append({"role": "user", "content": [run_tool(block)]})
""",
        "arun_loop",
    )
    line = judged(capsys, "08", 2, split)
    assert line.startswith("✗") and "two user turns in a row" in line and "merges" in line


def test_08_a_flattened_history_and_a_loop_that_stops_are_caught(ns08, capsys) -> None:
    source = """
def run_loop_raw(client, question):
    messages = [{{"role": "user", "content": question}}]
    while True:
        reader = read_events(client.messages.create(
            model=MODEL, max_tokens=1024, tools=TOOLS, messages=messages, stream=True))
        for event in reader:
            print(event.text, end="")
        message = reader.outcome.message
        messages.append({assistant})
        if message.stop_reason != "tool_use" or {stop}:
            return messages
        results = [run_tool(b) for b in message.content if b.type == "tool_use"]
        print(results)
        messages.append({{"role": "user", "content": results}})
"""
    flat = source.format(
        assistant='{"role": "assistant", "content": reader.outcome.text}', stop="False"
    )
    assert "as plain text" in judged(capsys, "08", 3, define(ns08, flat, "run_loop_raw"))
    once = source.format(assistant='{"role": "assistant", "content": message.content}', stop="True")
    assert "asked for a tool and got no answer" in judged(
        capsys, "08", 3, define(ns08, once, "run_loop_raw")
    )
