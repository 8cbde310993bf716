"""Progress lines for a person at a terminal, while Prefect's own INFO lines are hidden."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_stream: TextIO | None = None
_started = 0.0


def show_on(stream: TextIO | None = None) -> None:
    """Echo progress to `stream` (default stderr) from now on; None stops it."""
    global _stream, _started
    _stream = stream if stream is not None else sys.stderr
    _started = time.monotonic()


def stop() -> None:
    """Echo nothing more."""
    global _stream
    _stream = None


def emit(message: str) -> None:
    """One progress line, with the seconds since the command started, when someone watches."""
    if _stream is not None:
        _stream.write(f"[{time.monotonic() - _started:6.1f} s] {message}\n")
        _stream.flush()
