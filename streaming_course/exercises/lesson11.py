"""Lesson 11's exercises: the chatbot's loop, turns timed, a broken reply marked, attempts counted.

Each judge gives the learner's function its own replay client, notes every HTTP request that
client sends (SDK middleware: one call per attempt, retries included), and compares the
requests, the printed text and the history with what the replay served.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from ..config import load_settings
from .core import Wrong
from .judging import judge_client, run_printing, served

MAX_TOKENS = 1024
QUESTIONS = [
    "My balcony gets about four hours of sun a day. "
    "Which three herbs should a beginner grow there?",
    "Which of those three needs the most water?",
    "Give me a one-line watering rule I can stick on the balcony door.",
]
WATERING = "What is the best time of day to water herbs on a balcony?"  # overloaded mid-reply
MARK = " [reply interrupted]"
RATE_LIMITED = "Suggest a name for my balcony herb garden."  # 429 three times in a row
LIMITED_ONCE = "Suggest a short motto for my balcony herb garden."  # 429, then the answer
TIMING_SPEED = 4.0  # the replay's pace for the timing exercise: a few seconds in all


def chat_request(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The lesson's request for a conversation so far."""
    return dict(model=load_settings().model, max_tokens=MAX_TOKENS, messages=messages)


def recording_client(speed: float = 0, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A judge client, and the list of the request bodies it sends (one per HTTP attempt)."""
    sent: list[dict[str, Any]] = []

    def note(request: Any, call_next: Any) -> Any:
        sent.append(copy.deepcopy(dict(request.json or {})))
        return call_next(request)

    client = judge_client(speed=speed)
    if options:
        client = client.with_options(**options)
    return client.with_middleware(note), sent


def judge_chat_loop(chat_loop: Any) -> None:
    """Each question is sent with the whole history, each reply printed, the history returned."""
    client, sent = recording_client()
    failure: Exception | None = None
    history: Any = None
    printed = ""
    try:
        history, printed = run_printing(chat_loop, client, list(QUESTIONS))
    except Exception as error:  # a wrong history may have no recording: judge what was sent
        failure = error
    expected: list[dict[str, Any]] = []
    for number, question in enumerate(QUESTIONS, start=1):
        asked = [*expected, {"role": "user", "content": question}]
        if number <= len(sent) and not same_messages(sent[number - 1].get("messages"), asked):
            if number > 1 and len(sent[number - 1].get("messages", [])) == 1:
                raise Wrong("forgot_history", number=number)
            raise Wrong("sent_wrong_history", number=number)
        expected = [*asked, {"role": "assistant", "content": served(chat_request(asked)).text}]
    if failure is not None:
        raise failure
    if len(sent) != len(QUESTIONS):
        raise Wrong("request_count", sent=len(sent), expected=len(QUESTIONS))
    if not printed.strip():
        raise Wrong("printed_nothing")
    for number, reply in enumerate(expected[1::2], start=1):
        if squeezed(reply["content"]) not in squeezed(printed):
            raise Wrong("reply_not_printed", number=number)
    if history is None:
        raise Wrong("returned_nothing")
    if not same_messages(history, expected):
        raise Wrong("returned_wrong_history")


def judge_time_turns(time_turns: Any) -> None:
    """(characters, first text, end) per reply: exact counts, times close to a reference run."""
    reference = reference_times(QUESTIONS[:2])
    client, _ = recording_client(speed=TIMING_SPEED)
    got = time_turns(client, list(QUESTIONS[:2]))
    if got is None:
        raise Wrong("returned_nothing")
    got = list(got)
    if len(got) != len(reference):
        raise Wrong("turn_count", got=len(got), expected=len(reference))
    for number, ((chars, first, total), (ref_chars, ref_first, ref_total)) in enumerate(
        zip(got, reference, strict=True), start=1
    ):
        if chars != ref_chars:
            raise Wrong("characters", number=number, got=chars, expected=ref_chars)
        if not 0 < first < total:
            raise Wrong("order", number=number, first=first, total=total)
        span = ref_total - ref_first
        if first > ref_first + span / 2:
            raise Wrong("first_text_late", number=number, first=first, expected=ref_first)
        if first < ref_first / 2:
            raise Wrong("first_text_early", number=number, first=first, expected=ref_first)
        if not ref_total * 0.7 < total < ref_total * 1.5 + 0.2:
            raise Wrong("total_off", number=number, total=total, expected=ref_total)


def reference_times(questions: list[str]) -> list[tuple[int, float, float]]:
    """The course's own measurement, on a client of the same pace as the learner's."""
    client = judge_client(speed=TIMING_SPEED)
    history: list[dict[str, Any]] = []
    times = []
    for question in questions:
        asked = [*history, {"role": "user", "content": question}]
        started, first, answer = time.perf_counter(), None, ""
        with client.messages.stream(**chat_request(asked)) as stream:
            for text in stream.text_stream:
                first = first or time.perf_counter() - started
                answer += text
        times.append((len(answer), first or 0.0, time.perf_counter() - started))
        history = [*asked, {"role": "assistant", "content": answer}]
    return times


def judge_ask_marked(ask_marked: Any) -> None:
    """A reply that broke off is kept, marked; a complete one is kept as it is."""
    client, _ = recording_client()
    partial = served(chat_request([{"role": "user", "content": WATERING}])).text
    history: list[dict[str, Any]] = []
    try:
        run_printing(ask_marked, client, history, WATERING)
    except Exception as error:
        raise Wrong("let_it_raise", error=type(error).__name__) from error
    if not history:
        raise Wrong("dropped_the_partial")
    if [message.get("role") for message in history] != ["user", "assistant"]:
        raise Wrong("roles", roles=[message.get("role") for message in history])
    kept = text_of(history[-1]["content"])
    if kept.rstrip() == partial.rstrip():
        raise Wrong("no_mark")
    if squeezed(kept) != squeezed(partial + MARK):
        raise Wrong("partial_changed")
    history = []
    run_printing(ask_marked, client, history, QUESTIONS[0])
    whole = served(chat_request([{"role": "user", "content": QUESTIONS[0]}])).text
    if len(history) != 2 or MARK.strip() in text_of(history[-1]["content"]):
        raise Wrong("marked_a_complete_reply")
    if squeezed(text_of(history[-1]["content"])) != squeezed(whole):
        raise Wrong("complete_changed")


def judge_count_attempts(count_attempts: Any) -> None:
    """The attempts are counted as the client made them: 3 for a lasting 429, 2 for a brief one."""
    for question, answered in ((RATE_LIMITED, False), (LIMITED_ONCE, True)):
        client, sent = recording_client(max_retries=2)
        got = run_printing(count_attempts, client, question)[0]
        if got is None:
            raise Wrong("returned_nothing")
        attempts, messages = got
        if attempts != len(sent):
            if attempts == 1 + client.max_retries:
                raise Wrong("counted_the_setting", got=attempts, expected=len(sent))
            raise Wrong("attempts", question=question, got=attempts, expected=len(sent))
        roles = [message.get("role") for message in messages or []]
        if not answered and roles:
            raise Wrong("kept_a_failed_question", roles=roles)
        if answered and roles != ["user", "assistant"]:
            raise Wrong("lost_the_answer", roles=roles)


def same_messages(got: Any, expected: list[dict[str, Any]]) -> bool:
    """The same roles and texts (whitespace aside), whether content is a string or blocks."""
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    return all(
        isinstance(mine, dict)
        and mine.get("role") == theirs["role"]
        and squeezed(text_of(mine.get("content"))) == squeezed(theirs["content"])
        for mine, theirs in zip(got, expected, strict=True)
    )


def text_of(content: Any) -> str:
    """A message's text: the string, or its text blocks joined (dicts or SDK objects)."""
    if isinstance(content, str):
        return content
    pieces = []
    for block in content or []:
        kind = block.get("type") if isinstance(block, dict) else getattr(block, "type", None)
        if kind == "text":
            pieces.append(block["text"] if isinstance(block, dict) else block.text)
    return "".join(pieces)


def squeezed(text: Any) -> str:
    return " ".join(str(text).split())


EXERCISES = [
    ("chat_loop", judge_chat_loop),
    ("time_turns", judge_time_turns),
    ("ask_marked", judge_ask_marked),
    ("count_attempts", judge_count_attempts),
]
