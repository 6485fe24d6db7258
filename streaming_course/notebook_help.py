"""One clear line for a lesson cell run before the notebook's set-up cell.

Every lesson starts with a set-up cell that defines ``settings``, ``client``, ``MODEL``...
Running a later cell first would end in a bare ``NameError`` traceback; with this IPython
extension loaded, that error reads as one line in the learner's language saying to run the
set-up cell first. Any other ``NameError`` (a typo, a name of the learner's own) keeps its
normal traceback, and so does every ``NameError`` once the set-up cell has run.

``python3 course.py lab`` loads it into the course's kernels (it writes
`KERNEL_CONFIG` into the venv's ``etc/ipython``); by hand: ``%load_ext
streaming_course.notebook_help``.

    >>> hint_for(NameError("name 'client' is not defined", name="client"), {}, "en")[:36]
    "NameError: name 'client' is not defi"
    >>> hint_for(NameError("name 'clinet' is not defined", name="clinet"), {}, "en") is None
    True
"""

from __future__ import annotations

from typing import Any

from .i18n import message

SETUP_NAMES = frozenset(
    {
        "settings",
        "client",
        "MODEL",
        "LARGE_MODEL",
        "MAX_TOKENS",
        "server",
        "json",
        "read_events",
        "load_settings",
        "make_client",
        "create_app",
        "BackgroundServer",
        "load_bedrock_settings",
        "make_bedrock_client",
    }
)
"""Every name a lesson's set-up cell defines (tests/test_notebook_help.py keeps it complete)."""

SETUP_DONE = "settings"  # every set-up cell defines it: once it exists, the set-up has run

KERNEL_CONFIG = {"InteractiveShellApp": {"extra_extensions": [__name__]}}
"""IPython kernel configuration that loads this extension (``ipython_kernel_config.json``)."""


def hint_for(
    error: BaseException, namespace: dict[str, Any], language: str | None = None
) -> str | None:
    """The line to show for `error`, or None when it deserves its normal traceback."""
    name = getattr(error, "name", None)
    if not isinstance(error, NameError) or name not in SETUP_NAMES or SETUP_DONE in namespace:
        return None
    return message("notebook_help.run_setup_first", language, name=name)


def _show(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    """IPython's custom exception handler: the hint as the cell's error, else the traceback."""
    line = hint_for(value, shell.user_ns)
    if line is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return []
    shell._showtraceback(etype, value, [line])  # sent as the cell's error (run-all stops)
    return [line]


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext`` and by the kernel's configuration."""
    ipython.set_custom_exc((NameError,), _show)


def unload_ipython_extension(ipython: Any) -> None:
    ipython.set_custom_exc((), None)
