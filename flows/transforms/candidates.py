"""Flag press releases that state investment, funding or jobs for advanced manufacturing.

A release is a candidate when one of its sentences holds both an amount or job figure (found
by ``flows.transforms.extract``) and a term that ties it to the drive: a park (Science Park,
InnoPark, Cyberport, the Loop), a scheme (NIAS, NIFS, RFS, ITF, OASES), an industry cluster
(semiconductors, new energy vehicles, life and health technology...), or a company that
invests, sets up or produces. Money in sentences without such a term (housing, welfare, tax,
road works) does not count. Pure Python and polars: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import polars as pl

from flows.frames import redo_where
from flows.transforms.candidate_terms import (
    _CLUSTER_RUST,
    _CLUSTER_TERMS,
    _COMPANY_SUFFIXES,
    _CONTEXT_RE,
    _CUT,
    _EVIDENCE_JOIN,
    _EVIDENCE_SEPARATOR,
    _FLAG_RES,
    _FLAG_RUST,
    _FOLDS_TO_ASCII,
    _HINT_RUST,
    _MAX_EVIDENCE,
    _OFF_TOPIC_RE,
    _OFF_TOPIC_WORDS,
    _PY_WHITESPACE,
    _SENTENCE_SPLIT_RE,
    _STOP_SPACE_CAPITAL_RUST,
    _STRONG_RE,
    CLUSTERS,
    MULTIPLE,
    PREFILTER_PATTERN,
    _alternation,
    _clusters,
    _rust,
    cluster_of,
    guess_company,
)
from flows.transforms.extract import extract

__all__ = ["CLUSTERS", "OUTPUT_SCHEMA", "Candidate", "detect", "detect_frame"]

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "release_id": pl.String(),
    "link_en": pl.String(),
    "link_zh": pl.String(),
    "published_date_hk": pl.Date(),
    "title_en": pl.String(),
    "title_zh": pl.String(),
    "evidence": pl.String(),
    "amounts_json": pl.String(),
    "jobs_json": pl.String(),
    "company_guess": pl.String(),
    "cluster_guess": pl.String(),
    "confidence": pl.Float64(),
}


@dataclass(frozen=True)
class Candidate:
    """Why one language version of a release looks like an investment announcement."""

    lang: str
    evidence: tuple[str, ...]
    amounts: tuple[dict[str, Any], ...]
    jobs: tuple[dict[str, Any], ...]
    company_guess: str | None
    cluster_hits: tuple[str, ...]
    cluster_guess: str | None
    confidence: float


def split_sentences(text: str) -> list[str]:
    """Sentences of an English or Chinese text, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s and s.strip()]


Flags = tuple[bool, bool]  # (strong term, company that invests) for one sentence


def _sentence_flags(sentence: str) -> Flags | None:
    """Context flags of a sentence that may hold a figure; None when it cannot be evidence."""
    low = sentence.lower()
    if not (_FLAG_RES["numeral"].search(low) and _FLAG_RES["hint"].search(low)):
        return None
    strong = _FLAG_RES["strong"].search(low) is not None
    company = bool(_FLAG_RES["company"].search(low) and _FLAG_RES["invest"].search(low))
    return (strong, company) if strong or company else None


@lru_cache(maxsize=65_536)
def _figures(sentence: str) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """Amounts and jobs in one sentence (cached: boilerplate sentences recur across releases)."""
    found = extract(sentence).to_json_dict()
    return tuple(found["amounts"]), tuple(found["jobs"])


def _biggest(amounts: Iterable[dict[str, Any]]) -> float:
    """The largest amount stated (a range counts as its top), 0.0 for none."""
    return max((a["value"] or a["high"] or 0.0 for a in amounts), default=0.0)


def _confidence(strong: int, company: int, biggest: float, jobs: int, off_topic: bool) -> float:
    score = 0.45
    score += 0.2 if strong else 0.0
    score += 0.1 if company else 0.0
    score += 0.1 if biggest >= 1e8 else 0.0
    score += 0.1 if jobs else 0.0
    score += 0.05 * min(strong + company - 1, 2)
    score -= 0.25 if off_topic else 0.0
    return round(min(max(score, 0.05), 0.99), 2)


def agreed(confidence: float) -> float:
    """Both language versions agreeing is itself evidence."""
    return round(min(confidence + 0.05, 0.99), 2)


class _Evidence(NamedTuple):
    """The flagged sentences of one text in which the extractor finds figures."""

    sentences: tuple[str, ...]
    amounts: tuple[dict[str, Any], ...]  # each with "sentence": its index in sentences
    jobs: tuple[dict[str, Any], ...]
    strong: int  # sentences with a strong term
    company: int  # sentences with only an investing company


def _gather(flagged: Iterable[tuple[str, Flags]]) -> _Evidence | None:
    """Run the extractor on the flagged sentences; None when none of them holds a figure."""
    sentences: list[str] = []
    amounts: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    strong_n = company_n = 0
    for sentence, (strong, company) in flagged:
        found_amounts, found_jobs = _figures(sentence)
        if not found_amounts and not found_jobs:
            continue
        index = len(sentences)
        sentences.append(sentence)
        amounts.extend({**a, "sentence": index} for a in found_amounts)
        jobs.extend({**j, "sentence": index} for j in found_jobs)
        strong_n += int(strong)
        company_n += int(company and not strong)
    if not sentences:
        return None
    return _Evidence(tuple(sentences), tuple(amounts), tuple(jobs), strong_n, company_n)


def _off_topic(title: str) -> bool:
    """Whether the title is about housing, welfare, tax, roads... and names no strong term."""
    return bool(_OFF_TOPIC_RE.search(title)) and not _STRONG_RE.search(title.lower())


def _false_alarm(evidence: _Evidence, off_topic: bool) -> bool:
    """An off-topic title with a single, company-only sentence is the classic false alarm."""
    return off_topic and evidence.strong == 0 and len(evidence.sentences) < 2


def _candidate(
    lang: str,
    evidence: _Evidence,
    off_topic: bool,
    hits: tuple[str, ...],
    company_guess: str | None,
) -> Candidate:
    return Candidate(
        lang=lang,
        evidence=evidence.sentences,
        amounts=evidence.amounts,
        jobs=evidence.jobs,
        company_guess=company_guess,
        cluster_hits=hits,
        cluster_guess=cluster_of(hits),
        confidence=_confidence(
            evidence.strong,
            evidence.company,
            _biggest(evidence.amounts),
            len(evidence.jobs),
            off_topic,
        ),
    )


def _assemble(
    title: str, text: str, lang: str, flagged: Iterable[tuple[str, Flags]]
) -> Candidate | None:
    """Run the extractor on the flagged sentences and build the Candidate, if any."""
    evidence = _gather(flagged)
    if evidence is None:
        return None
    off_topic = _off_topic(title)
    if _false_alarm(evidence, off_topic):
        return None
    # Evidence sentences name the cluster and company best; the rest of the text is a fallback.
    hits = _clusters([title, *evidence.sentences]) or _clusters([text])
    company = guess_company([title, *evidence.sentences], lang) or guess_company([text], lang)
    return _candidate(lang, evidence, off_topic, hits, company)


def detect(title: str, text: str, lang: str) -> Candidate | None:
    """A Candidate if a sentence ties an amount or job figure to the drive; else None."""
    title, text = title or "", text or ""
    whole = f"{title}\n{text}".lower()
    if not (_CONTEXT_RE.search(whole) and _FLAG_RES["hint"].search(whole)):
        return None
    flagged: list[tuple[str, Flags]] = []
    for sentence in [title, *split_sentences(text)]:
        flags = _sentence_flags(sentence) if sentence else None
        if flags is not None:
            flagged.append((sentence, flags))
    return _assemble(title, text, lang, flagged)


# --------------------------------------------------------------------------- whole frames
# detect_frame gives for each release what detect gives for each of its language versions,
# merged, but the per-release work runs in polars: Python runs only the extractor (once per
# distinct sentence) and the few checks polars cannot settle exactly (see _candidate_rows).

_RELEASE_COLUMNS = (
    "release_id", "link_en", "link_zh", "published_date_hk", "title_en", "title_zh",
)  # fmt: skip
_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(..., ensure_ascii=False) uses
_HOLE = "\x00"  # where a figure's sentence index goes in its JSON (JSON escapes a real \x00)


def _documents(pairs: pl.DataFrame) -> pl.DataFrame:
    """Long frame: one row per (release, language) with a non-empty title or text."""
    parts = []
    for lang in ("en", "zh"):
        title, text = f"title_{lang}", f"text_{lang}"
        parts.append(
            pairs.select(
                pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
                pl.lit(lang).alias("lang"),
                (pl.col(title) if title in pairs.columns else pl.lit(None))
                .cast(pl.String)
                .fill_null("")
                .alias("title"),
                (pl.col(text) if text in pairs.columns else pl.lit(None))
                .cast(pl.String)
                .fill_null("")
                .alias("text"),
            )
        )
    docs = pl.concat(parts)
    # Lower-cased once: an eager select would lower-case again for every expression using it.
    whole = pl.concat_str(["title", "text"], separator="\n").str.to_lowercase()
    low = pl.col("low")
    # Vectorised prefilter (Rust regex, linear time) before any Python per row; the figure
    # words first, as they rule out most releases and the context pattern is the slower one.
    kept = (
        docs.with_columns(whole.alias("low"))
        .filter(low.str.contains(_HINT_RUST))
        .filter(low.str.contains(PREFILTER_PATTERN))
        .with_columns(pl.col("text").str.to_lowercase().alias("low"))
    )
    # Cluster words over the whole text, for releases whose evidence names no cluster.
    return kept.with_columns(
        low.str.contains(_rust(_alternation(_CLUSTER_TERMS[name]))).alias(name) for name in CLUSTERS
    ).drop("low")


def _sentences(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per document title and per sentence of its text (as split_sentences splits)."""
    # split_sentences in polars: mark each place its pattern cuts with \x00 (after a stop, on
    # both sides of newlines and of the spaces between a full stop and a capital), split
    # there, strip and drop the empty pieces. Texts already holding \x00 are split in Python.
    text = pl.col("text")
    marked = (
        text.str.replace_all(r"[。；！？!?;]", "${0}" + _CUT)
        .str.replace_all(r"\n+", _CUT + "${0}" + _CUT)
        .str.replace_all(_STOP_SPACE_CAPITAL_RUST, "${1}" + _CUT + "${2}" + _CUT + "${3}")
    )
    pieces = marked.str.split(_CUT).list.eval(
        pl.element().str.strip_chars(_PY_WHITESPACE).filter(pl.element() != "")
    )
    frame = docs.select("title", "text", pieces.alias("pieces"))
    odd = frame.get_column("text").str.contains(_CUT, literal=True)
    if odd.any():
        fixed = [
            split_sentences(t) if o else p
            for t, o, p in zip(frame["text"], odd, frame["pieces"].to_list(), strict=True)
        ]
        frame = frame.with_columns(pieces=pl.Series(fixed, dtype=pl.List(pl.String)))
    return (
        frame.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("doc"),
            # The title is a sentence as it stands (not stripped).
            pl.concat_list(pl.col("title"), "pieces").alias("sentence"),
        )
        .explode("sentence")
        .filter(pl.col("sentence") != "")
    )


def _flag_sentences(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per sentence that can be evidence, with its context flags, in document order."""
    low = pl.col("low")
    flags = {name: low.str.contains(src) for name, src in _FLAG_RUST.items()}
    return (
        _sentences(docs)
        .with_columns(pl.col("sentence").str.to_lowercase().alias("low"))
        .with_columns(strong=flags["strong"], company=flags["company"] & flags["invest"])
        .filter(flags["numeral"] & flags["hint"] & (pl.col("strong") | pl.col("company")))
        .drop("low")
    )


def _figure_json(items: Iterable[dict[str, Any]]) -> str:
    """The items as json.dumps writes them in a list, each with "sentence" still a hole."""
    # {**item, "sentence": 0} ends in ', "sentence": 0}': the 0 becomes the hole.
    return ", ".join(_JSON.encode({**item, "sentence": 0})[:-2] + _HOLE + "}" for item in items)


def _figure_table(sentences: pl.Series) -> pl.DataFrame:
    """Each distinct sentence in which the extractor finds figures, with what the frame needs."""
    rows = []
    for sentence in sentences.unique().to_list():
        amounts, jobs = _figures(sentence)
        if amounts or jobs:
            rows.append(
                (sentence, _figure_json(amounts), _figure_json(jobs), _biggest(amounts), len(jobs))
            )
    schema = {
        "sentence": pl.String(),
        "amounts": pl.String(),
        "jobs": pl.String(),
        "biggest": pl.Float64(),
        "job_count": pl.Int64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _evidence(sentences: pl.DataFrame) -> pl.DataFrame:
    """One row per document with evidence: what _gather returns, amounts and jobs as JSON."""
    evidence = sentences.join(
        _figure_table(sentences.get_column("sentence")), on="sentence", maintain_order="left"
    )
    index = pl.int_range(pl.len()).over("doc").cast(pl.String)  # position among the evidence
    figures = pl.col("amounts", "jobs").str.replace_all(_HOLE, index, literal=True)
    listed = {
        name: pl.format("[{}]", pl.col(name).filter(pl.col(name) != "").str.join(", "))
        for name in ("amounts", "jobs")
    }
    return (
        evidence.with_columns(figures)
        .group_by("doc", maintain_order=True)
        .agg(
            pl.col("sentence").alias("evidence"),
            pl.col("strong").sum().alias("strong_n"),
            (pl.col("company") & ~pl.col("strong")).sum().alias("company_n"),
            pl.col("biggest").max(),
            pl.col("job_count").sum(),
            listed["amounts"].alias("amounts_json"),
            listed["jobs"].alias("jobs_json"),
        )
    )


def _names(flags: dict[str, pl.Expr]) -> pl.Expr:
    """The names whose flag is true, comma-separated, in order."""
    named = [pl.when(flag).then(pl.lit(name)) for name, flag in flags.items()]
    return pl.concat_str(named, separator=",", ignore_nulls=True)


def _hints(docs: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """The documents with evidence, and what polars can tell of their titles and texts."""
    docs = docs.with_row_index("doc").cast({"doc": pl.Int64})
    frame = evidence.join(docs, on="doc", maintain_order="left")
    # The text _assemble scans for clusters and companies, lower-cased as it does: polars'
    # lower-casing differs from Python's only outside ASCII and CJK, where no term lies.
    named = pl.concat_str(
        "title", pl.col("evidence").list.join(_EVIDENCE_JOIN), separator=_EVIDENCE_JOIN
    )
    frame = frame.with_columns(named.str.to_lowercase().alias("named"))  # once, not per use
    title, low = pl.col("title"), pl.col("named")
    return frame.with_columns(
        (
            title.str.to_lowercase().str.contains_any(list(_OFF_TOPIC_WORDS))
            | title.str.contains(_FOLDS_TO_ASCII)
        ).alias("off_topic"),
        # guess_company returns None at once for texts without a company suffix.
        low.str.contains_any(list(_COMPANY_SUFFIXES)).alias("company_named"),
        pl.col("text")
        .str.to_lowercase()
        .str.contains_any(list(_COMPANY_SUFFIXES))
        .alias("company_in_text"),
        _names({name: low.str.contains(_CLUSTER_RUST[name]) for name in CLUSTERS}).alias("hits"),
        _names({name: pl.col(name) for name in CLUSTERS}).alias("text_hits"),
    ).drop("named", *CLUSTERS)


def _named_hits(title: str, evidence: list[str]) -> str:
    """_clusters of the title and evidence, comma-separated."""
    return ",".join(_clusters([title, *evidence]))


def _company(title: str, evidence: list[str], text: str, lang: str, named: bool) -> str | None:
    """_assemble's company guess (the first is skipped where polars found no suffix)."""
    return (guess_company([title, *evidence], lang) if named else None) or guess_company(
        [text], lang
    )


def _candidate_rows(docs: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate document: _assemble's decisions, made for whole columns."""
    frame = _hints(docs, evidence)
    # The polars tests above are exact where they say no; Python settles the rest: whether an
    # off-topic word really makes the title off-topic, which of several clusters the scan
    # takes where their terms overlap, and the company name itself.
    frame = redo_where(frame, "off_topic", pl.col("off_topic"), _off_topic, "title")
    several = pl.col("hits").str.contains(",")
    frame = redo_where(frame, "hits", several, _named_hits, "title", "evidence")
    frame = frame.with_columns(company_guess=pl.lit(None, pl.String()))
    guess = pl.col("company_named") | pl.col("company_in_text")
    args = ("title", "evidence", "text", "lang", "company_named")
    frame = redo_where(frame, "company_guess", guess, _company, *args)
    # An off-topic title with a single, company-only sentence is the classic false alarm.
    single = pl.col("evidence").list.len() < 2
    false_alarm = pl.col("off_topic") & (pl.col("strong_n") == 0) & single
    frame = frame.filter(~false_alarm).with_columns(
        pl.when(pl.col("hits") != "").then("hits").otherwise("text_hits").alias("hits")
    )
    scored = ("strong_n", "company_n", "biggest", "job_count", "off_topic")
    return _map_unique(frame, "confidence", _confidence, *scored)


def _map_unique(
    frame: pl.DataFrame, column: str, function: Callable[..., Any], *args: str
) -> pl.DataFrame:
    """``frame`` with ``column`` = ``function(*args)``, called once per distinct argument row."""
    keys = frame.select(args).unique()
    table = keys.with_columns(pl.Series(column, [function(*row) for row in keys.iter_rows()]))
    return frame.join(table, on=list(args), how="left", maintain_order="left", nulls_equal=True)


def _release_rows(pairs: pl.DataFrame, candidates: pl.DataFrame) -> pl.DataFrame:
    """One output row per release: its candidate versions (English first) merged."""
    merged = (
        candidates.group_by("row", maintain_order=True)
        .agg(
            pl.col("evidence").explode().head(_MAX_EVIDENCE).str.join(_EVIDENCE_SEPARATOR),
            # Amounts and jobs from one version only: the two versions state the same figures.
            pl.col("amounts_json", "jobs_json").first(),
            pl.col("company_guess").drop_nulls().first(),
            # The clusters the versions name, in order ("" where a version names none).
            pl.col("hits").str.split(",").explode().unique(maintain_order=True),
            pl.col("confidence").max(),
            pl.len().alias("versions"),
        )
        .sort("row")
    )
    named = pl.col("hits").list.eval(pl.element().filter(pl.element() != ""))
    merged = _map_unique(merged, "agreed", agreed, "confidence").with_columns(
        pl.when(pl.col("versions") == 2).then("agreed").otherwise("confidence").alias("confidence"),
        # cluster_of: the one cluster named, "multiple" for several, null for none.
        pl.when(named.list.len() > 1)
        .then(pl.lit(MULTIPLE))
        .otherwise(named.list.first())
        .alias("cluster_guess"),
    )
    releases = pairs.select(
        (pl.col(name) if name in pairs.columns else pl.lit(None))
        .cast(OUTPUT_SCHEMA[name])
        .alias(name)
        for name in _RELEASE_COLUMNS
    )[merged.get_column("row").to_list()]
    return pl.concat([releases, merged.drop("row")], how="horizontal").select(
        pl.col(name).cast(dtype) for name, dtype in OUTPUT_SCHEMA.items()
    )


def detect_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per candidate release from ``pair_releases`` output (see OUTPUT_SCHEMA)."""
    if pairs.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    docs = _documents(pairs)
    evidence = _evidence(_flag_sentences(docs))
    candidates = _candidate_rows(docs, evidence) if evidence.height else evidence
    if candidates.height == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return _release_rows(pairs, candidates)
