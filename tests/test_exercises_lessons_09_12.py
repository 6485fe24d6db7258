"""The exercises of lessons 09-12 judge what the code did: right answers pass, mistakes are named.

Each test gives a judge a learner's function (the notebook's own solution, a right answer
written differently, or a plausible mistake) and reads the one ✓/✗ line it prints. The
judges run against their own replay clients (and, for lesson 10, a web app of their own on
127.0.0.1), so these tests need no key and no network.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import nbformat
import pytest
from botocore.exceptions import EventStreamError

from streaming_course.bedrock import load_bedrock_settings
from streaming_course.config import load_settings
from streaming_course.conversation import Conversation
from streaming_course.exercises import exercises
from streaming_course.i18n import catalog, message

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks" / "en"
MODEL = load_settings().model
MAX_TOKENS = 1024
CONTINUE = "Please continue exactly where you stopped."


def solution(lesson: str, number: int) -> dict[str, Any]:
    """The definitions of the notebook's solution cell `number` (its calls left out), run."""
    path = next(NOTEBOOKS.glob(f"{lesson}-*.ipynb"))
    cells = [
        c
        for c in nbformat.read(path, as_version=4).cells
        if "solution" in c.metadata.get("tags", [])
    ]
    tree = ast.parse(cells[number - 1].source)
    tree.body = [node for node in tree.body if is_definition(node)]
    source = ast.unparse(tree)
    namespace = notebook_globals()
    exec(compile(source, str(path), "exec"), namespace)
    return namespace


def is_definition(node: ast.stmt) -> bool:
    """A function, an import or a CONSTANT: what a solution defines, not what it then runs."""
    if isinstance(node, ast.FunctionDef | ast.Import | ast.ImportFrom):
        return True
    return isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id.isupper() for target in node.targets
    )


def notebook_globals() -> dict[str, Any]:
    """What the notebooks' cells define before their exercises."""
    stream_failures = (
        anthropic.APIStatusError,
        anthropic.APIConnectionError,
        httpx2.TransportError,
    )

    def broke_off(error: BaseException) -> bool:
        if isinstance(error, anthropic.APIStatusError):
            return error.status_code == 200
        return isinstance(error, httpx2.TransportError)

    return {
        "anthropic": anthropic,
        "httpx2": httpx2,
        "json": json,
        "time": time,
        "MODEL": MODEL,
        "MAX_TOKENS": MAX_TOKENS,
        "Conversation": Conversation,
        "STREAM_FAILURES": stream_failures,
        "broke_off": broke_off,
        "EventStreamError": EventStreamError,
    }


def verdict(
    capsys: pytest.CaptureFixture[str], lesson: str, number: int, answer: Any, language: str = "en"
) -> str:
    """Check `answer` and return the ✓/✗ line the check printed (the learner's prints aside)."""
    capsys.readouterr()
    exercises(lesson, language)[number - 1].check(answer)
    lines = re.findall(r"^[✓✗].*$", capsys.readouterr().out, flags=re.MULTILINE)
    assert len(lines) == 1, lines
    return lines[0]


def says(key: str, language: str = "en", **values: Any) -> str:
    return "✗ " + message(key, language, **values)


def says_with_figures(line: str, key: str, language: str = "en") -> bool:
    """True when `line` is the ✗ line of `key`, whatever figures fill its placeholders."""
    pattern = re.sub(r"\\\{[^}]*\\\}", ".+?", re.escape(catalog(language)[key]))
    return re.fullmatch("✗ " + pattern, line) is not None


# ---------------------------------------------------------------------------------- lesson 09


@pytest.mark.parametrize("number", [1, 2, 3])
def test_09_the_notebooks_solutions_are_right(capsys, number):
    starter = ["how_it_ended", "complete_reply", "input_cost"][number - 1]
    line = verdict(capsys, "09", number, solution("09", number)[starter])
    assert line == "✓ " + message(f"exercises.lesson09.q{number}.right", "en")


def test_09_an_ending_read_from_the_raw_events_is_right(capsys):
    def how_it_ended(client, request):  # another style: raw events, the stop reason by hand
        ending = None
        try:
            for event in client.messages.create(**request, stream=True, timeout=2.0):
                if event.type == "message_delta":
                    ending = event.delta.stop_reason
        except anthropic.APIStatusError:
            return "error event"
        except httpx2.ReadTimeout:
            return "timed out"
        except (httpx2.RemoteProtocolError, httpx2.ReadError):
            return "dropped"
        return ending

    assert verdict(capsys, "09", 1, how_it_ended).startswith("✓")


def test_09_a_timeout_caught_as_a_drop_is_named(capsys):
    def how_it_ended(client, request):
        try:
            with client.messages.stream(**request, timeout=2) as stream:
                return stream.get_final_message().stop_reason
        except anthropic.APIStatusError:
            return "error event"
        except httpx2.TransportError:  # the parent first: a timeout is labelled a drop
            return "dropped"

    line = verdict(capsys, "09", 1, how_it_ended)
    assert line == says(
        "exercises.lesson09.q1.mislabelled", name="RAIN", got="dropped", expected="timed out"
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_09_a_reply_not_continued_is_named_in_both_languages(capsys, language):
    def complete_reply(client, request):
        with client.messages.stream(**request) as stream:
            return stream.get_final_text()

    line = verdict(capsys, "09", 2, complete_reply, language)
    assert line == says("exercises.lesson09.q2.stopped_at_the_cut", language, requests=1)


def test_09_a_continuation_without_its_start_is_named(capsys):
    def complete_reply(client, request):
        with client.messages.stream(**request) as stream:
            text = stream.get_final_text()
            cut = stream.get_final_message().stop_reason == "max_tokens"
        if not cut:
            return text
        messages = [
            *request["messages"],
            {"role": "assistant", "content": text},
            {"role": "user", "content": CONTINUE},
        ]
        with client.messages.stream(
            **{**request, "max_tokens": 400, "messages": messages}
        ) as stream:
            return stream.get_final_text()  # the continuation alone

    assert verdict(capsys, "09", 2, complete_reply) == says(
        "exercises.lesson09.q2.lost_the_first_part"
    )


def test_09_prices_written_another_way_are_right_and_mistakes_named(capsys):
    def input_cost(usage, cached=True):
        prices = {
            "input_tokens": 1.0,
            "cache_creation_input_tokens": 1.25,
            "cache_read_input_tokens": 0.1,
        }
        return (
            sum(
                getattr(usage, field) * (price if cached else 1.0)
                for field, price in prices.items()
            )
            / 1e6
        )

    def write_at_plain_price(usage, cached=True):
        if not cached:
            return (
                usage.input_tokens
                + usage.cache_creation_input_tokens
                + usage.cache_read_input_tokens
            ) / 1e6
        return (
            usage.input_tokens
            + usage.cache_creation_input_tokens
            + 0.1 * usage.cache_read_input_tokens
        ) / 1e6

    def uncached_only_input(usage, cached=True):
        if not cached:
            return usage.input_tokens / 1e6
        return (
            usage.input_tokens
            + 1.25 * usage.cache_creation_input_tokens
            + 0.1 * usage.cache_read_input_tokens
        ) / 1e6

    assert verdict(capsys, "09", 3, input_cost).startswith("✓")
    assert verdict(capsys, "09", 3, write_at_plain_price) == says(
        "exercises.lesson09.q3.write_at_plain_price"
    )
    assert verdict(capsys, "09", 3, uncached_only_input) == says(
        "exercises.lesson09.q3.uncached_only_input"
    )


# ---------------------------------------------------------------------------------- lesson 10


def test_10_the_notebooks_solutions_are_right(capsys):
    assert verdict(capsys, "10", 1, solution("10", 1)["relay_timings"]).startswith("✓")
    assert verdict(capsys, "10", 2, solution("10", 2)["leave_early"]).startswith("✓")


def test_10_timings_taken_at_the_wrong_event_are_named(capsys):
    def last_text(events):
        for at, name, data in events:
            if name == "text":
                first = at  # overwritten at every piece
            elif name == "done":
                done_at, ttft = at, data["ttft"]
        return first, done_at, ttft

    def servers_figure(events):
        for at, name, data in events:
            if name == "done":
                return data["ttft"], at, data["ttft"]
        return None

    assert verdict(capsys, "10", 1, last_text) == says("exercises.lesson10.q1.last_text_not_first")
    assert verdict(capsys, "10", 1, servers_figure) == says(
        "exercises.lesson10.q1.server_time_as_ours"
    )


def test_10_a_reader_that_reads_everything_is_named_and_a_list_of_pieces_is_right(capsys):
    def read_everything(http, payload):
        body = http.post("/api/stream", json=payload).text  # waits for the whole reply
        pieces = [
            json.loads(line[6:])["text"]
            for line in body.splitlines()
            if line.startswith("data: ") and '"text"' in line and '"html"' not in line
        ]
        return "".join(pieces[:5])

    def leave_early(http, payload):  # another style: a list of pieces, `next` on the lines
        pieces: list[str] = []
        with http.stream("POST", "/api/stream", json=payload) as response:
            lines = response.iter_lines()
            for line in lines:
                if line == "event: text":
                    pieces.append(json.loads(next(lines).split(": ", 1)[1])["text"])
                    print(pieces[-1], end="")
                if len(pieces) >= 5:
                    break
        return "".join(pieces)

    assert verdict(capsys, "10", 2, read_everything) == says("exercises.lesson10.q2.read_it_all")
    assert verdict(capsys, "10", 2, leave_early).startswith("✓")


# ---------------------------------------------------------------------------------- lesson 11


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_11_the_notebooks_solutions_are_right(capsys, number):
    starter = ["chat_loop", "time_turns", "ask_marked", "count_attempts"][number - 1]
    line = verdict(capsys, "11", number, solution("11", number)[starter])
    assert line == "✓ " + message(f"exercises.lesson11.q{number}.right", "en")


def test_11_a_loop_without_the_history_is_named(capsys):
    def chat_loop(client, questions):
        history = []
        for question in questions:
            asked = [{"role": "user", "content": question}]  # the history is not sent
            with client.messages.stream(
                model=MODEL, max_tokens=MAX_TOKENS, messages=asked
            ) as stream:
                for text in stream.text_stream:
                    print(text, end="")
                answer = stream.get_final_text()
            history += [*asked, {"role": "assistant", "content": answer}]
        return history

    assert verdict(capsys, "11", 1, chat_loop) == says(
        "exercises.lesson11.q1.forgot_history", number=2
    )


def test_11_a_loop_in_another_style_is_right_and_a_silent_one_named(capsys):
    def conversation(client, questions, show=True):
        turns: list[dict[str, Any]] = []
        for q in questions:
            turns.append({"role": "user", "content": [{"type": "text", "text": q}]})
            with client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=turns) as s:
                for event in s:
                    if show and event.type == "text":
                        print(event.text, end="", flush=True)
                turns.append({"role": "assistant", "content": s.get_final_message().content})
        return turns

    assert verdict(capsys, "11", 1, conversation).startswith("✓")
    silent = lambda client, questions: conversation(client, questions, show=False)  # noqa: E731
    assert verdict(capsys, "11", 1, silent) == says("exercises.printed_nothing")


def test_11_a_first_text_noted_at_every_piece_is_named(capsys):
    def time_turns(client, questions):
        history, times = [], []
        for question in questions:
            request = [*history, {"role": "user", "content": question}]
            started, answer = time.perf_counter(), ""
            with client.messages.stream(
                model=MODEL, max_tokens=MAX_TOKENS, messages=request
            ) as stream:
                for text in stream.text_stream:
                    first = time.perf_counter() - started  # every piece, not the first
                    answer += text
            times.append((len(answer), first, time.perf_counter() - started))
            history = [*request, {"role": "assistant", "content": answer}]
        return times

    line = verdict(capsys, "11", 2, time_turns)
    assert says_with_figures(line, "exercises.lesson11.q2.first_text_late"), line


def test_11_a_partial_reply_kept_without_its_mark_or_dropped_is_named(capsys):
    def ask_unmarked(client, messages, question, mark=False, keep=True):
        answer, complete = "", False
        try:
            with client.messages.stream(
                model=MODEL,
                max_tokens=MAX_TOKENS,
                messages=[*messages, {"role": "user", "content": question}],
            ) as stream:
                for text in stream.text_stream:
                    answer += text
                complete = True
        except anthropic.APIStatusError:
            pass
        if complete or keep:
            messages += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer},
            ]

    def ask_dropping(client, messages, question):
        return ask_unmarked(client, messages, question, keep=False)

    assert verdict(capsys, "11", 3, ask_unmarked) == says("exercises.lesson11.q3.no_mark")
    assert verdict(capsys, "11", 3, ask_dropping) == says(
        "exercises.lesson11.q3.dropped_the_partial"
    )


def test_11_attempts_worked_out_from_max_retries_are_named_and_retries_taken_is_right(capsys):
    def from_the_setting(client, question):
        chat = Conversation(client, MODEL, max_tokens=MAX_TOKENS)
        chat.stream_reply(question)
        return 1 + client.max_retries, chat.messages

    def from_retries_taken(client, question):  # another style: the SDK's own retry count
        taken = []
        chat = Conversation(
            client.with_middleware(lambda r, nxt: taken.append(r.retries_taken) or nxt(r)),
            MODEL,
            max_tokens=MAX_TOKENS,
        )
        chat.stream_reply(question)
        return max(taken) + 1, chat.messages

    line = verdict(capsys, "11", 4, from_the_setting)
    assert line == says("exercises.lesson11.q4.counted_the_setting", got=3, expected=2)
    assert verdict(capsys, "11", 4, from_retries_taken).startswith("✓")


# ---------------------------------------------------------------------------------- lesson 12


@pytest.mark.parametrize("number", [1, 2, 3])
def test_12_the_notebooks_solutions_are_right(capsys, number):
    namespace = solution("12", number)
    namespace["MODEL"] = load_bedrock_settings().model  # the appendix's MODEL is Bedrock's
    starter = ["count_pieces", "converse_reply", "first_byte"][number - 1]
    line = verdict(capsys, "12", number, namespace[starter])
    assert line == "✓ " + message(f"exercises.lesson12.q{number}.right", "en")


def test_12_every_event_counted_and_an_escaping_error_are_named(capsys):
    def count_every_event(runtime, request):
        events = list(runtime.converse_stream(**request)["stream"])
        text = "".join(
            e["contentBlockDelta"]["delta"].get("text", "")
            for e in events
            if "contentBlockDelta" in e
        )
        return len(events), len(text) / len(events)

    def let_it_raise(runtime, request):
        pieces, ending = [], None
        for event in runtime.converse_stream(**request)["stream"]:
            if "contentBlockDelta" in event:
                pieces.append(event["contentBlockDelta"]["delta"]["text"])
            elif "messageStop" in event:
                ending = event["messageStop"]["stopReason"]
        return "".join(pieces), ending

    line = verdict(capsys, "12", 1, count_every_event)
    assert says_with_figures(line, "exercises.lesson12.q1.counted_every_event"), line
    assert verdict(capsys, "12", 2, let_it_raise) == says(
        "exercises.lesson12.q2.raised", name="HOUSEPLANTS"
    )


def test_12_a_clock_started_after_create_is_named(capsys):
    model = load_bedrock_settings().model

    def first_byte(client, messages):
        stream = client.messages.create(model=model, max_tokens=300, messages=messages, stream=True)
        started, first = time.perf_counter(), None  # too late: the response has begun
        for event in stream:
            if event.type == "content_block_delta" and first is None:
                first = time.perf_counter() - started
        return first, event.model_extra["amazon-bedrock-invocationMetrics"]["firstByteLatency"]

    line = verdict(capsys, "12", 3, first_byte)
    assert says_with_figures(line, "exercises.lesson12.q3.clock_started_late"), line
