"""Errors raised by the source fetchers and parsers."""

from __future__ import annotations


class SourceError(Exception):
    """A source answered, but with something that is not usable data."""


class FetchError(SourceError):
    """A request kept failing after every retry."""

    def __init__(self, url: str, last_status: int | None, detail: str) -> None:
        status = "no response" if last_status is None else f"HTTP {last_status}"
        super().__init__(f"fetching {url} failed ({status}): {detail}")
        self.url = url
        self.last_status = last_status
