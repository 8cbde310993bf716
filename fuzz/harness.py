"""atheris harnesses for hkam's parsers: `make fuzz FUZZ_SECONDS=60 [FUZZ_TARGET=name]`.

Each target feeds libFuzzer's bytes to one parser and lets only its declared errors through
(InputError for the register, SourceError for ITF / C&SD / HKMA / GIA; dates and the extractor
raise nothing). Anything else is a crash: atheris stops and writes the input as crash-<sha>.
Not part of CI; the hypothesis properties in tests/faults/test_fuzz.py are.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from flows.contracts import contract
    from flows.sources import censtatd, gia, hkma, itf
    from flows.sources.errors import SourceError
    from flows.sources.register import InputError, read_register
    from flows.transforms.dates import parse_hk_date
    from flows.transforms.extract import extract

_DIR = Path(tempfile.mkdtemp(prefix="hkam-atheris-"))
_SPEC = contract("raw.register_commitment")
_VINTAGE = datetime(2025, 1, 1, tzinfo=UTC)


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def register(data: bytes) -> None:
    path = _DIR / "register.csv"
    path.write_bytes(data)
    with contextlib.suppress(InputError):
        read_register(path, _SPEC)


def itf_parse(data: bytes) -> None:
    with contextlib.suppress(SourceError):
        itf.parse(data, year=2023, source_url="U")


def censtatd_parse(data: bytes) -> None:
    with contextlib.suppress(SourceError):
        censtatd.parse(data, table_id="310-30001", source_url="U", vintage=_VINTAGE)


def hkma_parse(data: bytes) -> None:
    with contextlib.suppress(SourceError):
        hkma.parse_page(data, where="W")


def gia_parse(data: bytes) -> None:
    with contextlib.suppress(SourceError):
        gia.parse_feed(data, lang="en", source_url="U")


def dates(data: bytes) -> None:
    parse_hk_date(_text(data))


def amounts(data: bytes) -> None:
    extract(_text(data))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "register": register, "itf": itf_parse, "censtatd": censtatd_parse, "hkma": hkma_parse,
    "gia": gia_parse, "dates": dates, "extract": amounts,
}  # fmt: skip


def main() -> None:
    name = os.environ.get("FUZZ_TARGET", "")
    if name not in TARGETS:
        sys.exit(f"FUZZ_TARGET must be one of {', '.join(TARGETS)}")
    atheris.Setup(sys.argv, TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
