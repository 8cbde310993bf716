"""What the desk shows: the open candidates of the published warehouse (read-only) and decisions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import duckdb

from flows import review
from flows.review_status import read_proposals
from flows.settings import Settings
from flows.transforms.extract import extract

KINDS = ("release", "status")  # press-release candidates; status proposals (issue 24)
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
LANGUAGES = ("en", "zh", "both")
# How the detector joins evidence sentences and the two language versions of a paired release.
_SENTENCE_SPLIT = re.compile(r" … | \| ")

Segment = tuple[str, bool]  # a run of evidence text, and whether it is a figure to highlight


class NoWarehouse(LookupError):
    """The published warehouse is not there (no run yet, or a mistyped path)."""


@dataclass(frozen=True)
class Filters:
    """The queue's filters as the query string gives them; an empty field filters nothing. The
    cluster keeps the releases guessed to be of it and the status proposals whose commitment is
    of it (a proposal has no cluster of its own; the analyst filters a cluster to see its news)."""

    kind: str = ""
    cluster: str = ""
    language: str = ""
    confidence: float | None = None  # at least
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """Filters from query parameters; a value the desk does not know is ignored, not fatal."""
        return cls(
            kind=_one_of(params.get("kind", ""), KINDS),
            cluster=_word(params.get("cluster", "")),
            language=_one_of(params.get("language", ""), LANGUAGES),
            confidence=_number(params.get("confidence", "")),
            since=_day(params.get("since", "")),
            until=_day(params.get("until", "")),
        )

    def query(self) -> str:
        """The query string that gives these filters back (for links and redirects)."""
        pairs = {
            "kind": self.kind,
            "cluster": self.cluster,
            "language": self.language,
            "confidence": "" if self.confidence is None else f"{self.confidence:g}",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    def keep(self, item: Item) -> bool:
        """Whether an item passes every filter."""
        return (
            (not self.kind or item.kind == self.kind)
            and (not self.cluster or item.cluster == self.cluster)
            and (not self.language or item.language == self.language)
            and (self.confidence is None or (item.confidence or 0) >= self.confidence)
            and (self.since is None or (item.day is not None and item.day >= self.since))
            and (self.until is None or (item.day is not None and item.day <= self.until))
        )


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _word(value: str) -> str:
    return value if re.fullmatch(r"[a-z0-9_]{1,64}", value) else ""


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number <= 1 else None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Item:
    """One entry of the queue, ready to show: the candidate's row and what is derived from it."""

    kind: str
    id: str
    day: date | None
    title_en: str
    title_zh: str
    language: str
    cluster: str  # a release's guessed cluster; a status proposal's commitment's cluster
    confidence: float | None
    evidence: list[list[Segment]]
    amounts: list[str]
    several_amounts: bool  # the analyst picks one, as `--amount N` does on the command line
    jobs: list[str]
    matches: list[str]
    company: str  # the pre-filled company: the detector's guess, else the one match
    party: str
    links: list[tuple[str, str]]
    change: str  # a status proposal's "announced → construction"; empty for a release
    commitment: str  # the register commitment a status proposal changes
    row: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Snapshot:
    """Candidates and companies as the published file holds them at one moment."""

    candidates: list[dict[str, Any]]
    proposals: list[dict[str, Any]]  # the open status proposals
    companies: list[dict[str, Any]]
    clusters: list[str]

    def candidate(self, release_id: str) -> dict[str, Any] | None:
        """The candidate row with this id, if the published file proposes it."""
        return next((r for r in self.candidates if r["release_id"] == release_id), None)

    def proposal(self, proposal_id: str) -> dict[str, Any] | None:
        """The open status proposal with this id."""
        return next((p for p in self.proposals if p["proposal_id"] == proposal_id), None)


def read_snapshot(settings: Settings) -> Snapshot:
    """Read the published warehouse and close it at once: a run publishing meanwhile swaps the
    file by rename, and the next request sees the new one (DuckDB shares an open instance)."""
    if not settings.warehouse.exists():
        raise NoWarehouse(f"no warehouse at {settings.warehouse}; run `hkam run` first")
    # No configuration: flows.review_status opens the file the same way in this process, and
    # DuckDB refuses a second configuration for an instance that is open.
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows, companies = review.read_candidates(con)
        proposals = read_proposals(con, settings.data_dir)
    finally:
        con.close()
    clusters = sorted(
        {str(r["cluster_guess"]) for r in rows if r.get("cluster_guess")}
        | {str(p["cluster"]) for p in proposals if p.get("cluster")}
    )
    return Snapshot(rows, proposals, companies, clusters)


def item_of(row: dict[str, Any], companies: list[dict[str, Any]]) -> Item:
    """The queue entry of one candidate row."""
    found = review.amounts(row)
    jobs = [j for j in json.loads(row.get("jobs_json") or "[]") if j.get("value") is not None]
    matches = review.company_matches(row, companies)
    guess = str(row.get("company_guess") or "")
    figures = [str(a.get("text") or "") for a in [*found, *jobs]]
    return Item(
        kind="release",
        id=str(row["release_id"]),
        day=row.get("published_date_hk"),
        title_en=str(row.get("title_en") or ""),
        title_zh=str(row.get("title_zh") or ""),
        language=_language(row),
        cluster=str(row.get("cluster_guess") or ""),
        confidence=row.get("confidence"),
        evidence=[highlight(s, figures + _figures_in(s)) for s in _sentences(row.get("evidence"))],
        amounts=[str(a.get("text") or "") for a in found],
        several_amounts=len({(a.get("value"), a.get("currency")) for a in found}) > 1,
        jobs=[str(j.get("text") or "") for j in jobs],
        matches=matches,
        company=guess or (matches[0] if len(matches) == 1 else ""),
        party=review.guess_party(row),
        links=_links(row),
        change="",
        commitment="",
        row=row,
    )


def status_item(proposal: dict[str, Any], companies: Sequence[dict[str, Any]] = ()) -> Item:
    """The queue entry of one status proposal (issue 24): the change, the release, its text
    (the company marked by any name core.company knows it by: a Chinese release names it so)."""
    english = proposal.get("language") != "zh"
    title = str(proposal.get("title") or "")
    company = str(proposal.get("company") or "")
    names = [company, *_other_names(company, companies)]
    url = str(proposal.get("release_url") or "")
    return Item(
        kind="status",
        id=str(proposal["proposal_id"]),
        day=_hk_day(proposal.get("published_at")),
        title_en=title if english else "",
        title_zh="" if english else title,
        language="en" if english else "zh",
        cluster=str(proposal.get("cluster") or ""),  # its commitment's, as the register maps it
        confidence=proposal.get("confidence"),
        evidence=[highlight(s, names) for s in _sentences(proposal.get("evidence"))],
        amounts=[],
        several_amounts=False,
        jobs=[],
        matches=[company] if company else [],
        company=company,
        party="",
        links=[("English" if english else "中文", url)] if re.match(r"https?://", url) else [],
        change=f"{proposal.get('from_status') or 'none'} → {proposal.get('to_status')}",
        commitment=str(proposal.get("commitment_id") or ""),
        row=proposal,
    )


def _figures_in(sentence: str) -> list[str]:
    """The amounts and job figures the extractor reads in one evidence sentence: a paired
    release's row holds the English text's figures, and its Chinese sentences state their own."""
    found = extract(sentence, "HKD")
    return [a.text for a in found.amounts] + [j.text for j in found.jobs]


def _other_names(company: str, companies: Sequence[dict[str, Any]]) -> list[str]:
    """The company's Chinese name and aliases in core.company (none when it is not there)."""
    for known in companies:
        if company and known.get("name_en") == company:
            return [str(n) for n in [known.get("name_zh"), *(known.get("aliases") or [])] if n]
    return []


def _hk_day(when: Any) -> date | None:
    """The Hong Kong day of a release time (a date passes through)."""
    if isinstance(when, datetime):
        return (when.astimezone(HONG_KONG) if when.tzinfo else when).date()
    return when if isinstance(when, date) else None


def _language(row: dict[str, Any]) -> str:
    if row.get("paired_release_id") or (row.get("title_en") and row.get("title_zh")):
        return "both"
    return "en" if row.get("title_en") or row.get("link_en") else "zh"


def _sentences(evidence: Any) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(str(evidence or "")) if s.strip()]


def highlight(sentence: str, figures: list[str]) -> list[Segment]:
    """The sentence cut into runs, each figure's text (as the extractor quoted it) marked."""
    spans: list[tuple[int, int]] = []
    for text in {f for f in figures if f}:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(text), sentence)]
    out: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:  # overlaps the figure before it: already marked
            if end > at:
                out[-1] = (out[-1][0] + sentence[at:end], True)
                at = end
            continue
        if start > at:
            out.append((sentence[at:start], False))
        out.append((sentence[start:end], True))
        at = end
    if at < len(sentence):
        out.append((sentence[at:], False))
    return out


def _links(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The release's versions; only http(s) addresses become links (a feed is untrusted text)."""
    out = []
    for label, key in (("English", "link_en"), ("中文", "link_zh")):
        url = str(row.get(key) or "")
        if re.match(r"https?://", url, re.IGNORECASE):
            out.append((label, url))
    return out


def open_items(snapshot: Snapshot, data_dir: Path) -> list[Item]:
    """The candidates and status proposals no decision in force covers, newest first."""
    decided = review.read_decisions(data_dir)
    items = [item_of(r, snapshot.companies) for r in snapshot.candidates]
    items += [status_item(p, snapshot.companies) for p in snapshot.proposals]
    items = [i for i in items if i.id not in decided]
    return sorted(items, key=lambda i: i.day or date.min, reverse=True)


def decided_list(snapshot: Snapshot, data_dir: Path) -> list[dict[str, Any]]:
    """The decisions in force, the last one made first, with their release's title if known."""
    out = []
    for d in review.decisions_newest_first(data_dir):
        row = snapshot.candidate(d.release_id) or {}
        title = row.get("title_en") or row.get("title_zh") or ""
        out.append({"decision": d, "title": title})
    return out
