"""The instructor's view of the room: every student's requests, tokens and errors.

The gateway serves it at ``/classroom/status?token=…`` (an HTML page that refreshes itself,
or JSON with ``&format=json``); ``streaming-course classroom status`` prints it as a table.

    >>> snapshot = {"upstream": "https://api.anthropic.com", "replaying": False,
    ...     "limits": {"rpm": 30, "concurrent": 2, "budget": 0},
    ...     "students": [{"name": "ada", "requests": 3, "active": 1, "complete": 2, "error": 0,
    ...                   "stopped": 0, "replayed": 0, "refused": 0, "input_tokens": 40,
    ...                   "output_tokens": 310, "budget_left": None, "last_error": ""}]}
    >>> rows(snapshot, language="en")[-1][:5]     # the totals
    ['total', '3', '1', '2', '0']
    >>> status_table(snapshot, language="en").splitlines()[0].split()[:3]
    ['student', 'requests', 'streaming']
"""

from __future__ import annotations

import html
from typing import Any

import httpx2

from ..config import detect_language
from ..i18n import display_width, message, pad

COLUMNS = (
    "name",
    "requests",
    "active",
    "complete",
    "error",
    "stopped",
    "replayed",
    "refused",
    "input_tokens",
    "output_tokens",
    "budget_left",
    "last_error",
)
SUMMED = COLUMNS[1:10]
REFRESH_SECONDS = 2


def fetch_status(url: str, token: str) -> dict[str, Any]:
    """The gateway's counts, as JSON, from its status view."""
    response = httpx2.get(
        url.rstrip("/") + "/classroom/status",
        params={"format": "json"},
        headers={"authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    response.raise_for_status()
    return response.json()


def rows(snapshot: dict[str, Any], language: str | None = None) -> list[list[str]]:
    """The table's cells: one row a student, then the totals."""
    students = snapshot["students"]
    body = [[_cell(student.get(column)) for column in COLUMNS] for student in students]
    totals = [sum(int(student.get(column) or 0) for student in students) for column in SUMMED]
    return [*body, [message("classroom.total", language=language), *map(str, totals)]]


def status_table(snapshot: dict[str, Any], language: str | None = None) -> str:
    """The counts as a plain-text table, columns aligned (East Asian text included)."""
    header = [message(f"classroom.col_{column}", language=language) for column in COLUMNS]
    table = [header, *rows(snapshot, language)]
    widths = [max(_width(row, i) for row in table) for i in range(len(COLUMNS))]
    lines = []
    for row in table:
        cells = [pad(cell, widths[i], right=0 < i < len(COLUMNS) - 1) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def render_html(snapshot: dict[str, Any]) -> str:
    """A page with the table that reloads itself every few seconds."""
    header = "".join(f"<th>{html.escape(message(f'classroom.col_{c}'))}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows(snapshot)
    )
    state = message("classroom.page_replaying" if snapshot["replaying"] else "classroom.page_live")
    limits = snapshot["limits"]
    summary = message(
        "classroom.page_summary",
        upstream=snapshot["upstream"],
        state=state,
        rpm=limits["rpm"] or "∞",
        concurrent=limits["concurrent"] or "∞",
        budget=limits["budget"] or "∞",
    )
    title = html.escape(message("classroom.page_title"))
    return (
        f'<!doctype html><html lang="{detect_language()}"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}"><title>{title}</title>'
        '<link rel="icon" href="data:,">'  # no favicon request to log
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;"
        "text-align:right}td:first-child,th:first-child,td:last-child,th:last-child"
        "{text-align:left}tr:last-child{font-weight:bold}</style></head>"
        f"<body><h1>{title}</h1><p>{html.escape(summary)}</p>"
        f"<table><tr>{header}</tr>{body}</table></body></html>"
    )


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _width(row: list[str], index: int) -> int:
    return display_width(row[index]) if index < len(row) else 0
