"""Helpers for the streaming course: a client that runs live or from recordings, and more.

>>> from streaming_course import load_settings, make_client
>>> client = make_client()       # doctest: +SKIP
"""

from .client import make_async_client, make_client, mode_banner
from .config import ConfigError, Settings, load_settings

__all__ = [
    "ConfigError",
    "Settings",
    "load_settings",
    "make_async_client",
    "make_client",
    "mode_banner",
]
