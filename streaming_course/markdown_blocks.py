"""Where Markdown blocks end, for `markdown_live`: how much of a text can no longer change.

`finished_length` answers it for a whole text, by parsing it. `EndWatch` reads a text as it
arrives, a delta at a time, and says when parsing it again may find more: only a blank line
can end a block, and inside a code fence or a list most blank lines cannot. Between those
moments a new parse would find the same answer, so a long list, table or code block is
parsed a few times in all, not once per refresh.

    >>> watch = EndWatch()
    >>> watch.read("A paragraph")
    >>> watch.due
    False
    >>> watch.read("\\n\\n")     # a blank line: the paragraph may be over
    >>> watch.due
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
"""The Markdown dialect used to find where blocks end: CommonMark plus GitHub's tables."""

NEWLINE = re.compile(r"\r\n|\r|\n")  # what markdown-it counts as the end of a line
NOT_BLANK = re.compile(r"[^ \t]")
FENCE_LINE = re.compile(r" {0,3}(`+|~+)[ \t]*")  # a line that may close a code fence
LIST_MARKER = re.compile(r" {0,3}([-+*]|\d{1,9}([.)]))(?:[ \t]|$)")
THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
CONTINUED_AFTER_BLANK_LINES = {"bullet_list_open", "ordered_list_open", "code_block"}
MAY_CONTINUE_THEM = set(" \t\r-+*0123456789")  # indentation, a list marker, or a blank line
LINE_START_KEPT = 64  # characters kept of each line, to recognize a closing fence

Waiting = Literal["blank line", "unindented line", "closing fence", "end of html", "nothing"]
"""What may end the last block: a blank line (most blocks); a line after a blank one that is
neither indented nor a marker of the same list (lists, indented code); a closing fence; ``>``
(an HTML block that spans blank lines); nothing (a link definition keeps the text whole)."""


@dataclass(frozen=True)
class Blocks:
    """What parsing a text found: where its finished blocks end, and what may end the next."""

    finished: int
    waiting: Waiting = "blank line"
    marks: str = ""  # the open code fence's marks, or the list's marker ("-", "." …)


def finished_length(text: str) -> int:
    """How many characters at the start of `text` are top-level blocks that can no longer change.

    A block is finished when a blank line follows it and nothing after that line can
    continue it: for most blocks the blank line is enough; a list or an indented code block
    must also be followed by a line that can neither continue it nor be blank. An unclosed
    code fence runs to the end of the text, so it never finishes early.

    >>> finished_length("# Title\\n\\nA paragraph")
    9
    >>> finished_length("- a list\\n\\n")  # the next line may add an item
    0
    """
    return read_blocks(text).finished


def read_blocks(text: str) -> Blocks:
    """Parse `text`: where its finished blocks end, and what may end its last block.

    >>> read_blocks("Intro\\n\\n```python\\nx = 1\\n\\n")
    Blocks(finished=7, waiting='closing fence', marks='```')
    """
    line_starts = _line_starts(text)
    references: dict = {}
    tokens = PARSER.parse(text[: line_starts[-1]], references)
    blocks = [token for token in tokens if token.level == 0 and token.map is not None]
    if references:  # a link definition serves the whole text: keep it in one piece
        return Blocks(0, "nothing")  # (a link used in a block sent before it stays plain text)
    if not blocks:
        return Blocks(0)
    last = blocks[-1]
    if _last_block_is_over(last, text, line_starts):
        return Blocks(line_starts[-1])
    waiting, marks = _what_may_end(last, text, line_starts)
    for block in reversed(blocks[1:]):  # a block after a blank line ends the blocks before it
        start = _first_line(block)
        if _is_blank(text[line_starts[start - 1] : line_starts[start]]):
            return Blocks(line_starts[start], waiting, marks)
    return Blocks(0, waiting, marks)


def _last_block_is_over(block: Token, text: str, line_starts: list[int]) -> bool:
    """Whether the last whole line is blank and nothing that may follow can continue `block`."""
    whole_lines = len(line_starts) - 1
    if whole_lines == 0 or not _is_blank(text[line_starts[-2] : line_starts[-1]]):
        return False
    if block.type in CONTINUED_AFTER_BLANK_LINES:
        next_line = text[line_starts[-1] :]
        return next_line != "" and next_line[0] not in MAY_CONTINUE_THEM
    assert block.map is not None
    return block.map[1] < whole_lines  # else an unclosed fence or HTML block spans the blank line


def _what_may_end(block: Token, text: str, line_starts: list[int]) -> tuple[Waiting, str]:
    """What a later line must be for `block`, the last one, to end."""
    if block.type in CONTINUED_AFTER_BLANK_LINES:
        return "unindented line", block.markup  # a list's marker; "" for indented code
    assert block.map is not None
    start, end = block.map
    whole_lines = len(line_starts) - 1
    if end < whole_lines:
        return "blank line", ""
    last_line = text[line_starts[end - 1] : line_starts[end]].rstrip("\r\n")
    if block.type == "fence" and not (end - start >= 2 and closes(last_line, block.markup)):
        return "closing fence", block.markup
    if block.type == "html_block" and _is_blank(last_line):
        return "end of html", ""
    return "blank line", ""


def closes(line: str, fence: str, whole: bool = True) -> bool:
    """Whether `line` closes a code fence opened with `fence` (if only its start is known,
    whether it may).

    >>> closes("```", "```"), closes("~~~", "```"), closes("  ````  ", "```")
    (True, False, True)
    """
    match = FENCE_LINE.fullmatch(line)
    if match is None:
        return False
    marks = match.group(1)
    return not whole or (marks[0] == fence[0] and len(marks) >= len(fence))


def _line_starts(text: str) -> list[int]:
    """Where each whole line of `text` starts, then where its unfinished last line starts.

    >>> _line_starts("one\\r\\ntwo\\nthr")
    [0, 5, 9]

    A lone "\\r" at the very end may be half of a "\\r\\n", so its line is not whole yet.
    """
    searched = text.removesuffix("\r")
    return [0, *(match.end() for match in NEWLINE.finditer(searched))]


def _first_line(block: Token) -> int:
    assert block.map is not None
    return block.map[0]


def _is_blank(line: str) -> bool:
    return line.strip(" \t\r\n") == ""


class EndWatch:
    """Reads a text delta by delta; `due` turns true when a new parse may find more finished.

    Each character is looked at once. After each parse, `expect` tells it what the parse
    found (`Blocks`), so that blank lines inside a fence or a list do not count.
    """

    def __init__(self) -> None:
        self.waiting: Waiting = "blank line"
        self.marks = ""
        self.due = False  # set here, cleared by whoever parses
        self._after_blank = False  # the last whole line was blank
        self._after_item = False  # the last line with text in it was a list item's first
        self._line_started = False
        self._line_blank = True
        self._line_start = ""  # the line's first LINE_START_KEPT characters
        self._line_has_angle = False
        self._cr = False  # the text so far ends with "\r", maybe half of a "\r\n"

    def expect(self, blocks: Blocks) -> None:
        """Take what a parse found; nothing is due until a later line may change it."""
        self.waiting, self.marks, self.due = blocks.waiting, blocks.marks, False

    def read(self, delta: str) -> None:
        """Read the next piece of the text."""
        if self._cr:
            self._cr = False
            delta = delta.removeprefix("\n")
            self._end_line()
        pieces = NEWLINE.split(delta)
        last = len(pieces) - 1
        if delta.endswith("\r"):  # wait for the next piece: "\r\n" is one line end
            self._cr, last = True, last - 1
        for piece in pieces[:last]:
            self._add(piece)
            self._end_line()
        self._add(pieces[last])

    def _add(self, piece: str) -> None:
        if not piece:
            return
        if not self._line_started:
            self._line_started = True
            if self._after_blank and (
                self.waiting == "blank line"
                or (self.waiting == "unindented line" and piece[0] not in MAY_CONTINUE_THEM)
            ):
                self.due = True  # a line after a blank line may start a new block
        if self._line_blank and NOT_BLANK.search(piece):
            self._line_blank = False
        if len(self._line_start) < LINE_START_KEPT:
            self._line_start = (self._line_start + piece)[:LINE_START_KEPT]
        if self.waiting == "end of html" and ">" in piece:
            self._line_has_angle = True

    def _end_line(self) -> None:
        blank = self._line_blank
        if self.waiting == "closing fence":
            whole = len(self._line_start) < LINE_START_KEPT  # else only its start is known
            if closes(self._line_start, self.marks, whole):
                self.waiting = "blank line"
        elif self.waiting == "end of html":
            if self._line_has_angle:
                self.waiting = "blank line"  # perhaps: the next blank line will tell
        elif blank and self.waiting == "blank line":
            # A blank line may end the block before it; after a list item only the next line
            # can tell (and will: it comes after a blank line).
            self.due = self.due or not self._after_item
        elif self.waiting == "unindented line" and not blank and self._may_start_a_block():
            if self._after_blank:
                self.due = True
            else:  # a heading, a fence, another list… may have broken into it: watch again
                self.waiting = "blank line"
        self._after_blank = blank
        if not blank:
            line = self._line_start
            self._after_item = bool(LIST_MARKER.match(line)) and not THEMATIC_BREAK.fullmatch(line)
        self._line_started, self._line_blank = False, True
        self._line_start, self._line_has_angle = "", False

    def _may_start_a_block(self) -> bool:
        """Whether this whole line may end a list or indented code (after a blank line, or by
        breaking into it), rather than continue it."""
        line = self._line_start
        if line[0] in " \t":
            return False  # it may continue an item or the code
        if THEMATIC_BREAK.fullmatch(line):
            return True
        marker = LIST_MARKER.match(line)
        return marker is None or (marker.group(2) or marker.group(1)) != self.marks
