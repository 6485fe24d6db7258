"""LiveMarkdown: exact final rendering, a rate cap, finished blocks sent once, O(n) bytes, nbval."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from dataclasses import dataclass, field

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient

from benchmarks.bench_markdown import SHAPES, deltas, scaling_run
from streaming_course.markdown_live import PARSER, LiveMarkdown, RecordingPublisher, finished_length

# Markdown-ish text -------------------------------------------------------------------------

WORDS = [
    "stream",
    "token",
    "delta",
    "**bold**",
    "`code`",
    "_it_",
    "ストリーム",
    "日本語の文",
    "🚀",
    "é",
]
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
lines = st.lists(words, min_size=1, max_size=3).map("\n".join)

paragraph = lines
heading = st.builds(lambda level, title: "#" * level + " " + title, st.integers(1, 3), words)
setext_heading = words.map(lambda title: f"{title}\n===")
bullet_list = st.builds(
    lambda items, gap: gap.join(f"- {item}" for item in items),
    st.lists(words, min_size=1, max_size=4),
    st.sampled_from(["\n", "\n\n"]),
)
ordered_list = st.lists(words, min_size=1, max_size=4).map(
    lambda items: "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
)
nested_list = st.builds(lambda a, b: f"- {a}\n\n  - {b}\n\n  more {a}", words, words)
code_fence = st.lists(st.sampled_from(["x = 1", "", "print('ストリーム')", "# not a heading"])).map(
    lambda body: "```python\n" + "\n".join(body) + "\n```"
)
unclosed_fence = st.lists(st.sampled_from(["y = 2", ""])).map(
    lambda body: "```\n" + "\n".join(body)
)
indented_code = st.lists(st.sampled_from(["    a = 1", "", "    b = 2"]), min_size=1).map("\n".join)
block_quote = lines.map(lambda text: "> " + text.replace("\n", "\n> "))
table = words.map(lambda cell: f"| a | b |\n|---|---|\n| {cell} | 2 |")
rule = st.just("---")

block = st.one_of(
    paragraph,
    heading,
    setext_heading,
    bullet_list,
    ordered_list,
    nested_list,
    code_fence,
    indented_code,
    block_quote,
    table,
    rule,
)
separator = st.sampled_from(["\n\n", "\n", "\n\n\n", "\n \n"])


@st.composite
def markdown_texts(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(block, min_size=1, max_size=8))
    text = blocks[0]
    for next_block in blocks[1:]:
        text += draw(separator) + next_block
    if draw(st.booleans()):
        text += "\n\n" + draw(unclosed_fence)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


# Any text made of Markdown's special characters (no ':', so no link definitions).
fuzz_texts = st.text(alphabet="ab #*-+>`|~_.1)\n\r\t[]()!<\\= ", max_size=200)


# Running a stream --------------------------------------------------------------------------


@dataclass
class Run:
    text: str
    live: LiveMarkdown
    notebook: RecordingPublisher = field(default_factory=RecordingPublisher)
    sent_at: list[float] = field(default_factory=list)  # when each message was sent
    result: str = ""


def stream(text: str, cuts: list[int], steps: list[float], max_rate: float = 20.0) -> Run:
    """Feed `text` cut at `cuts`, the fake clock moving on by the next of `steps` before each."""
    now = 0.0
    notebook = RecordingPublisher()
    run = Run(text, LiveMarkdown(max_rate, publisher=notebook, clock=lambda: now), notebook)
    bounds = [0, *sorted(set(cuts)), len(text)]
    step = itertools.cycle(steps)
    for start, end in itertools.pairwise(bounds):
        now += next(step)
        run.live.feed(text[start:end])
        run.sent_at += [now] * (len(notebook.sent) - len(run.sent_at))
    now += next(step)
    run.result = run.live.close()
    run.sent_at += [now] * (len(notebook.sent) - len(run.sent_at))
    return run


def cuts_for(text: str) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(text)), max_size=60)


steps = st.lists(st.floats(0, 0.3), min_size=1, max_size=10)


def html(markdown: str) -> str:
    return PARSER.render(markdown)


# Properties ---------------------------------------------------------------------------------


def check_run(run: Run, max_rate: float = 20.0) -> None:
    assert run.result == run.text
    outputs = run.notebook.outputs
    assert "".join(map(html, outputs)) == html(run.text)  # the final render is exact
    assert run.notebook.outputs_as_first_shown == outputs  # what nbval sees is what is stored
    assert "".join(outputs) == run.text  # every character ends in exactly one output
    check_finished_blocks_sent_once(run)
    check_rate(run.sent_at, max_rate)
    assert run.live.bytes_sent == run.notebook.bytes_sent
    assert run.notebook.bytes_sent <= (run.live.resend_ratio + 1) * len(run.text.encode())


def check_finished_blocks_sent_once(run: Run) -> None:
    """Each new output's content is sent once; updates only ever show the text after them."""
    frozen = 0
    for sent in run.notebook.sent:
        if sent.kind == "display":
            assert run.text.startswith(sent.markdown, frozen)
            frozen += len(sent.markdown)
        else:
            assert run.text.startswith(sent.markdown, frozen)


def check_rate(sent_at: list[float], max_rate: float) -> None:
    """In any one-second window, at most `max_rate` refreshes, plus the final render."""
    refreshes = sorted(set(sent_at))
    for i, start in enumerate(refreshes):
        in_window = [t for t in refreshes[i:] if t < start + 1.0]
        assert len(in_window) <= max_rate + 1


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=markdown_texts(), steps=steps)
def test_markdown_streams_render_exactly(data: st.DataObject, text: str, steps: list[float]):
    check_run(stream(text, data.draw(cuts_for(text)), steps))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=fuzz_texts, steps=steps)
def test_any_text_renders_exactly(data: st.DataObject, text: str, steps: list[float]):
    check_run(stream(text, data.draw(cuts_for(text)), steps))


@settings(max_examples=50, deadline=None)
@given(
    data=st.data(),
    text=markdown_texts(),
    steps=st.lists(st.floats(0, 0.02), min_size=1, max_size=5),
    max_rate=st.sampled_from([2.0, 5.0, 20.0]),
)
def test_refreshes_never_exceed_the_rate(
    data: st.DataObject, text: str, steps: list[float], max_rate: float
):
    run = stream(text * 4, data.draw(cuts_for(text * 4)), steps, max_rate)
    check_run(run, max_rate)


LONG_REPLY = "\n\n".join(
    [
        "## A long reply",
        *[f"Paragraph {n}: " + "tokens arrive one after another, " * 12 for n in range(12)],
        "- first item\n- second item\n- third item",
        "```python\n" + "\n".join(f"line_{n} = {n}" for n in range(25)) + "\n```",
        "日本語の段落です。" * 20,
    ]
)


def test_a_long_reply_costs_at_most_five_times_its_size():
    cuts = list(range(0, len(LONG_REPLY), 12))  # about three tokens a delta
    run = stream(LONG_REPLY, cuts, [0.021])  # about 7 ms a token
    check_run(run)
    assert run.notebook.bytes_sent <= 5 * len(LONG_REPLY.encode())
    assert len([o for o in run.notebook.outputs if o]) > 10  # the blocks were frozen as they came


# Where blocks end ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("Para one\n\nPara two", "Para one\n\n"),
        ("Para one\n\n", "Para one\n\n"),
        ("Para one\n", ""),  # a setext underline or more lines may follow
        ("```\ncode\n\nmore", ""),  # an open fence keeps its blank lines
        ("```\ncode\n\n```\n\nAfter", "```\ncode\n\n```\n\n"),
        ("- a\n\n", ""),  # another item may follow
        ("- a\n\n- b", ""),
        ("- a\n\nAfter", "- a\n\n"),
        ("1. a\n\n2", ""),  # "2" may become "2. b"
        ("    code\n\n", ""),
        ("    code\n\nText", "    code\n\n"),
        ("Para\r\n\r\nNext", "Para\r\n\r\n"),
        ("Para\r\n\r", ""),  # the "\r" may be half of a "\r\n"
        ("[x]: /url\n\nText\n\nMore", ""),  # link definitions keep the text whole
    ],
)
def test_finished_length(text: str, finished: str):
    assert text[: finished_length(text)] == finished


# Outside a notebook, and as a context manager ------------------------------------------------


def test_outside_a_notebook_the_deltas_are_printed(capsys: pytest.CaptureFixture[str]):
    with LiveMarkdown() as live:
        for delta in ["**Hello", "** world"]:
            live.feed(delta)
    assert capsys.readouterr().out == "**Hello** world\n"
    assert live.close() == "**Hello** world"


def test_an_error_mid_stream_still_shows_what_arrived():
    notebook = RecordingPublisher()
    with pytest.raises(ConnectionError), LiveMarkdown(publisher=notebook) as live:
        live.feed("Partial reply")
        raise ConnectionError
    assert [o for o in notebook.outputs if o] == ["Partial reply"]
    with pytest.raises(RuntimeError):
        live.feed("more")


# A real notebook under nbval ---------------------------------------------------------------

NOTEBOOK_REPLY = """# ストリーミング 🚀

First paragraph, arriving a few characters at a time.

- one
- two

```python
x = 1

y = 2
```

| a | b |
|---|---|
| 1 | 2 |

Last paragraph."""

NOTEBOOK_CELL = f"""\
import asyncio
import itertools
from streaming_course.markdown_live import LiveMarkdown

reply = {NOTEBOOK_REPLY!r}
tick = itertools.count()
with LiveMarkdown(clock=lambda: next(tick)) as live:  # a clock that moves 1 s a call
    for start in range(0, len(reply), 7):
        live.feed(reply[start : start + 7])
"""


def test_a_notebook_using_it_passes_nbval(tmp_path):
    path = tmp_path / "live.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(NOTEBOOK_CELL), nbformat.v4.new_code_cell("1 + 1")]
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute(cwd=str(tmp_path))
    nbformat.write(notebook, path)

    data = [output["data"] for output in notebook.cells[0].outputs]
    shown = [bundle["text/markdown"] for bundle in data if "text/markdown" in bundle]
    assert len(shown) >= 5  # the blocks were frozen as they came
    assert "".join(shown) == NOTEBOOK_REPLY
    assert all(bundle == {"text/plain": ""} for bundle in data if "text/markdown" not in bundle)
    nbval = ["--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q"]
    checked = subprocess.run(
        [sys.executable, "-m", "pytest", *nbval, str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# Work in step with the text (issue 17) -------------------------------------------------------
#
# Counted work (characters given to the parser) is exact and the same on any machine; CPU time
# is read with `time.process_time`, compared only within one run, the best of three.


def parsed_characters(text: str, **options) -> int:
    """Characters LiveMarkdown parses for `text`, streamed as the benchmark streams it."""
    now = [0.0]
    live = LiveMarkdown(publisher=RecordingPublisher(), clock=lambda: now[0], **options)
    for now[0], delta in deltas(text):
        live.feed(delta)
    live.close()
    return live.work.parsed


def best_cpus(*texts: str, runs: int = 5) -> list[float]:
    """The least CPU each text took in `runs` runs, taken in turn (so that a busy moment of the
    machine weighs on all of them alike)."""
    cpus = [[scaling_run(text).cpu for text in texts] for _ in range(runs)]
    return [min(each) for each in zip(*cpus, strict=True)]


@pytest.mark.parametrize("shape", ["list", "table"])
def test_a_28_kb_list_or_table_costs_little_cpu_and_grows_linearly(shape: str):
    at_4x, at_8x = SHAPES[shape](4), SHAPES[shape](8)
    assert 25_000 <= len(at_8x.encode()) <= 31_000
    run = scaling_run(at_8x)
    assert run.exact and run.bytes_sent <= 5 * run.size
    cpu_4x, cpu_8x = best_cpus(at_4x, at_8x)
    print(f"{shape}: CPU {cpu_4x:.4f} s at 4×, {cpu_8x:.4f} s at 8×, stream {run.duration:.0f} s")
    assert cpu_8x <= 0.03 * run.duration
    assert cpu_8x / cpu_4x <= 2.5
    parsed_4x, parsed_8x = parsed_characters(at_4x), parsed_characters(at_8x)
    assert 0 < parsed_8x <= 3 * len(at_8x) and parsed_8x / parsed_4x <= 2.5


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_is_exact_within_five_times_and_parsed_a_few_times(shape: str):
    for scale in (1, 4):
        text = SHAPES[shape](scale)
        run = scaling_run(text)
        assert run.exact and run.bytes_sent <= 5 * run.size, (scale, run)
        assert parsed_characters(text) <= 4 * len(text)  # each character parsed a few times


def test_blank_lines_inside_a_code_block_or_a_list_cause_no_parse():
    code = "```python\n" + "x = 1\n\n" * 2000 + "```\n\nAfter.\n"
    loose_list = "- item\n\n  more\n\n" * 2000 + "After.\n"
    for text in (code, loose_list):
        assert parsed_characters(text) <= 3 * len(text)


def test_pathological_html_is_parsed_in_step_with_the_text():
    """Each line may end the HTML block and each blank line may end it: parses are spaced out."""
    text = "<pre>\n" + "<b>x</b>\n\n" * 3000 + "</pre>\n\nAfter.\n"
    assert parsed_characters(text) <= 12 * len(text)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), text=markdown_texts())
def test_finished_blocks_are_frozen_as_soon_as_a_full_parse_would(data: st.DataObject, text: str):
    """With a refresh on every delta and no byte budget, the frozen text is what parsing the
    whole open text after every delta would freeze: reading each delta once misses nothing."""
    notebook = RecordingPublisher()
    tick = itertools.count()
    live = LiveMarkdown(publisher=notebook, clock=lambda: next(tick), resend_ratio=1e12)
    bounds = [0, *sorted(set(data.draw(cuts_for(text)))), len(text)]
    expected = 0
    for start, end in itertools.pairwise(bounds):
        live.feed(text[start:end])
        expected += finished_length(text[expected:end])
        frozen = sum(len(sent.markdown) for sent in notebook.sent if sent.kind == "display")
        assert frozen == expected, text[:end]
    live.close()


def test_a_costly_render_spaces_the_refreshes_out():
    """A refresh that takes 20 ms of CPU (here, a fake CPU clock) is followed by none for 200 ms."""
    cpu = itertools.count(step=0.01)  # every reading of the CPU clock moves 10 ms
    now = 0.0
    notebook = RecordingPublisher()
    live = LiveMarkdown(
        publisher=notebook, clock=lambda: now, cost_clock=lambda: next(cpu), resend_ratio=1e12
    )
    refreshed_at = []
    for step in range(400):  # 8 s of deltas every 20 ms
        now = step * 0.02
        before = live.work.refreshes
        live.feed("word ")
        if live.work.refreshes > before:
            refreshed_at.append(now)
    live.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(refreshed_at)]
    assert min(gaps) >= 0.1 - 1e-9  # a 10 ms refresh, at most 10 % of the time
    assert len(refreshed_at) >= 8 / 0.12  # and not fewer than that


def test_a_publisher_that_keeps_updates_gets_the_finished_blocks_in_the_tails_output():
    class KeepingPublisher(RecordingPublisher):
        keeps_updates = True  # like a widget: what an update shows is what stays

    runs = {}
    for publisher in (KeepingPublisher(), RecordingPublisher()):
        clock = itertools.count(step=0.021).__next__  # about 7 ms a token
        live = LiveMarkdown(publisher=publisher, clock=clock)
        for cut in range(0, len(LONG_REPLY), 12):
            live.feed(LONG_REPLY[cut : cut + 12])
        live.close()
        runs[type(publisher)] = publisher
    keeping, notebook = runs[KeepingPublisher], runs[RecordingPublisher]
    assert "".join(keeping.outputs) == LONG_REPLY
    assert "".join(map(html, keeping.outputs)) == html(LONG_REPLY)
    assert all(keeping.outputs), "no empty outputs are left behind"
    assert keeping.bytes_sent <= 5 * len(LONG_REPLY.encode())
    assert len(keeping.sent) < len(notebook.sent) and len(keeping.outputs) > 10


def test_catch_up_shows_the_text_when_it_pauses():
    async def scenario() -> RecordingPublisher:
        notebook = RecordingPublisher()
        live = LiveMarkdown(publisher=notebook, catch_up=True)
        live.feed("Hello")  # shown at once
        live.feed(", world")  # too soon: shown when the rate allows, though nothing follows
        await asyncio.sleep(0.2)
        assert "".join(notebook.outputs) == "Hello, world"
        live.close()
        return notebook

    asyncio.run(scenario())


# The chat panel's reply: the same LiveMarkdown, through a widget publisher ------------------


def widget_reply(text: str, cuts: list[int], step: float = 0.021):
    """Feed `text`, cut at `cuts`, to the chat panel's ReplyView on a simulated clock."""
    from streaming_course.chat.reply_view import ReplyView

    clock = itertools.count(step=step).__next__
    view = ReplyView(clock=clock)
    for start, end in itertools.pairwise([0, *sorted(set(cuts)), len(text)]):
        view.add(text[start:end])
    view.finish()
    return view


@settings(max_examples=100, deadline=None)
@given(data=st.data(), text=markdown_texts())
def test_the_chat_reply_renders_any_split_exactly(data: st.DataObject, text: str):
    from streaming_course.chat.reply_view import RENDERER

    view = widget_reply(text, data.draw(cuts_for(text)))
    assert "".join(child.value for child in view.widget.children) == RENDERER.render(text)


@pytest.mark.parametrize("shape", ["list", "table", "paragraphs"])
def test_the_chat_reply_does_work_in_step_with_the_text(shape: str):
    views = {k: widget_reply(SHAPES[shape](k), [d for d in range(0, 10**6, 12)]) for k in (4, 8)}
    for k, view in views.items():
        size = len(SHAPES[shape](k).encode())
        assert view.live.bytes_sent <= (view.live.resend_ratio + 1) * size
        assert view.live.work.parsed <= 3 * size
    assert views[8].live.work.parsed <= 2.5 * max(views[4].live.work.parsed, 1)
