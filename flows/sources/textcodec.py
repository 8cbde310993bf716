"""Bytes to text by evidence: BOM, declared charset, strict UTF-8, then plausible legacy codecs."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flows.sources.errors import SourceError

# Candidate orders per kind of source. An English list is Latin before any CJK codec: cp1252
# and Latin-1 accept almost any byte, so the evidence below, not the order, has the last word.
ENGLISH = ("cp1252", "iso-8859-1", "big5hkscs")
CHINESE = ("big5hkscs", "cp1252")
UTF_ONLY: tuple[str, ...] = ()  # JSON is UTF-8 by RFC 8259: no legacy codec is tried

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
# The three signs of a wrong decoding that a text column can carry (the DQ text check): U+FFFD,
# C1 controls, and CJK inside a Latin word, i.e. a word that goes on in lower case after it
# ("R廥eau" is cp1252 "Réseau" read as Big5); "K歌Studio" or "iPhone版" are Chinese usage.
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff"
TEXT_FAULT = f"[\ufffd\u0080-\u009f]|[{_LATIN}][{_CJK}]+[{_LOWER}]"
_C1 = re.compile("[\u0080-\u009f]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
# A CJK character glued to an ASCII letter: checked for being a Latin fragment read as CJK.
_GLUED_CJK = re.compile(f"(?<=[A-Za-z])[{_CJK}]|[{_CJK}](?=[A-Za-z])")
# Latin-1 symbols (¡ to ¿ but « », × ÷) beside another non-ASCII character: how Big5 lead bytes
# look read as Latin ("¤¤¤å" is 中文); real Latin text has them alone ("25°C", "© 2024").
_SYMBOLS = "\u00a1-\u00aa\u00ac-\u00ba\u00bc-\u00bf\u00d7\u00f7"
_SYMBOL_RUN = re.compile(f"[{_SYMBOLS}][\u00a1-\u00ff]|[\u00a1-\u00ff][{_SYMBOLS}]")
_LETTER_RUN = re.compile("[\u00c0-\u00ff]{3,}")
# Positive evidence: an accented letter inside a Latin word ("Société", "Limitée").
_ACCENTED = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_ACCENTED_WORD = re.compile(f"[A-Za-z][{_ACCENTED}]|[{_ACCENTED}][a-z]")
_CJK_WORD = re.compile(f"[{_CJK}]{{2,}}")
_DECLARED = (
    re.compile(rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""),
    re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE),
)
_LABELS = {"utf-8": "UTF-8", "cp1252": "cp1252", "iso-8859-1": "ISO-8859-1 (Latin-1)",
           "big5hkscs": "Big5-HKSCS", "utf-16": "UTF-16", "utf-32": "UTF-32",
           "gb18030": "GB18030", "utf-8-sig": "UTF-8 with BOM"}  # fmt: skip


class DecodeError(ValueError):
    """The bytes' encoding stays doubtful; the message says what was tried and why it failed."""


@dataclass(frozen=True)
class Decoded:
    """Text and how it was decoded: the codec and the evidence that chose it."""

    text: str
    encoding: str
    why: str


def label(encoding: str) -> str:
    """A codec's name as people write it."""
    return _LABELS.get(codecs.lookup(encoding).name, encoding)


def declared_charset(raw: bytes, content_type: str | None = None) -> str | None:
    """The charset an HTTP Content-Type, XML declaration or HTML meta names, if any."""
    if content_type:
        found = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", content_type, re.IGNORECASE)
        if found:
            return found.group(1)
    head = raw[:2048]
    for pattern in _DECLARED:
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii")
    return None


def _codec(name: str) -> str | None:
    """A declared name as the Python codec read (Big5 as its superset HKSCS); None if unknown."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # Declared Big5 is read as HKSCS (a superset); declared Latin-1 as cp1252 (as browsers do).
    return {"big5": "big5hkscs", "iso8859-1": "cp1252", "latin-1": "cp1252"}.get(codec, codec)


def _strict(raw: bytes, encoding: str) -> tuple[str | None, str]:
    try:
        return raw.decode(encoding), ""
    except UnicodeDecodeError as exc:
        return None, f"byte {exc.start} (0x{raw[exc.start]:02x}) is not valid {label(encoding)}"


def _is_latin(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("cp1252", "iso8859-1", "latin-1")


def _doubts(text: str, encoding: str) -> str:
    """Why the text is implausible for this codec ('' when nothing speaks against it)."""
    if "\ufffd" in text:
        return "it produces U+FFFD replacement characters"
    c1 = _C1.search(text)
    if c1:
        return f"it produces the C1 control character U+{ord(c1.group()):04X}, never in text"
    if _is_latin(encoding):
        run = _SYMBOL_RUN.search(text) or _LETTER_RUN.search(text)
        if run:
            where = _context(text, run.start())
            return f"{where} has the Latin-1 symbol runs of Chinese read as Latin"
        return ""
    if _PRIVATE.search(text):
        return "it produces private-use characters"
    for glued in _GLUED_CJK.finditer(text):
        try:
            fragment = glued.group().encode(encoding).decode("cp1252")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if re.fullmatch(f"[\u00c0-\u00ff][{_LATIN}]", fragment):
            return (
                f"{_context(text, glued.start())} has a CJK character inside a Latin word, "
                f"whose bytes read as {fragment!r}: Latin text, not Chinese"
            )
    return ""


def _support(text: str, encoding: str) -> int:
    """Count of what speaks for the codec: accented letters in words, or CJK words."""
    pattern = _ACCENTED_WORD if _is_latin(encoding) else _CJK_WORD
    return len(pattern.findall(text))


def _context(text: str, at: int) -> str:
    return repr(text[max(0, at - 12) : at + 6])


def decode(
    raw: bytes, *, name: str, candidates: Sequence[str], declared: str | None = None
) -> Decoded:
    """Decode by evidence, or raise DecodeError naming `name`, each codec tried and why."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text, error = _strict(raw, encoding)
            if text is None:
                raise DecodeError(f"{name}: starts with a {label(encoding)} BOM but {error}")
            return Decoded(text.removeprefix("\ufeff"), encoding, "byte-order mark")
    rejected: list[str] = []
    if declared:
        codec = _codec(declared)
        if codec is None:
            rejected.append(f"declared charset {declared!r}: unknown")
        else:
            text, why = _strict(raw, codec)
            why = why or _doubts(text or "", codec)
            if text is not None and not why:
                return Decoded(text, codec, f"declared {declared}")
            rejected.append(f"declared {label(codec)}: {why}")
    text, why = _strict(raw, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "valid UTF-8")
    if not rejected or not rejected[-1].startswith("declared UTF-8"):
        rejected.append(f"UTF-8: {why}")
    plausible: list[tuple[str, str]] = []
    for encoding in candidates:
        text, why = _strict(raw, encoding)
        why = why or _doubts(text or "", encoding)
        if text is None or why:
            rejected.append(f"{label(encoding)}: {why}")
        elif not any(t == text for _, t in plausible):
            plausible.append((encoding, text))
    if len(plausible) == 1:
        encoding, text = plausible[0]
        return Decoded(text, encoding, "the only plausible candidate")
    if plausible:
        supported = [(e, t) for e, t in plausible if _support(t, e)]
        if len(supported) == 1:
            encoding, text = supported[0]
            return Decoded(text, encoding, "the only candidate the text supports")
        readings = "; ".join(
            f"{label(e)} reads {_first_difference(t, plausible)}" for e, t in plausible
        )
        rejected.append(f"undecided: {readings}, and nothing in the text tells them apart")
    tried = ", ".join(["UTF-8", *(label(e) for e in candidates)])
    raise DecodeError(
        f"{name}: encoding doubtful, refused (tried {tried}): "
        + "; ".join(rejected)
        + "; save the file as UTF-8"
    )


def _first_difference(text: str, plausible: list[tuple[str, str]]) -> str:
    """The text around where the readings first differ, for the refusal message."""
    others = [t for _, t in plausible if t != text]
    at = next((i for i, (a, b) in enumerate(zip(text, others[0], strict=False)) if a != b), 0)
    return _context(text, at)


def guess(raw: bytes, candidates: Sequence[str] = ENGLISH) -> str | None:
    """The legacy encoding the evidence picks for bytes that are not UTF-8, or None."""
    try:
        return decode(raw, name="", candidates=candidates).encoding
    except DecodeError:
        return None


def json_text(raw: bytes, name: str) -> str:
    """A JSON body as text: BOM (UTF-8/16/32), else strict UTF-8 (RFC 8259); raises DecodeError,
    except for a character cut at the very end, which is left for the JSON parser to call
    truncated."""
    try:
        return decode(raw, name=name, candidates=UTF_ONLY).text
    except DecodeError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data":
                return raw[: exc.start].decode("utf-8-sig")
        raise


def json_object(raw: bytes, name: str, advice: str) -> dict[str, Any]:
    """A JSON body that must be one object, parsed by json; any fault is a SourceError naming
    `name`, and a body cut short says `advice` (what to do about a truncated fetch)."""
    try:
        payload = json.loads(json_text(raw, name))
    except DecodeError as exc:
        raise SourceError(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{name}: the body is not complete JSON ({len(raw)} bytes; {exc}). "
            f"It is probably truncated: {advice}"
        ) from exc
    if not isinstance(payload, dict):
        raise SourceError(f"{name}: the JSON is not an object")
    return payload
