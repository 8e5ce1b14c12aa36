"""Linking a department dataset to the registry (issue 4, requirement 2). Django-free: Arrow in,
Arrow out; the datasets app stores what it returns. docs/linkage.md has the whole contract.

    result = link(people, records, model=None, threshold=0.99, review_band=(0.80, 0.99))

people (the registry): person_id int64, id_number string, name string; optional sex string
('male'/'female'/None, or 男/女), birth_date date32 (from the valid ID number), town and village
names (strings), address string.

records (one dataset): row_number int64, id_number string (normalised or not; may be invalid or
empty), name string; optional birth_date date32, sex, address string.

result.links (schema.LINKS): row_number, person_id, link ('exact' | 'probabilistic' | 'review'),
match_probability (1.0 for exact), match_weight, reason. A record has at most one 'exact' or
'probabilistic' row; a record in review has one row per candidate (at most three); a record with
no row is not linked.
result.model: JSON-serialisable dict (the Splink settings with their trained m and u, how they
were trained, threshold and band) — store it with the run; pass it back as `model=` to link the
next load with the same parameters instead of training again.
result.counts: records, exact, probabilistic, review (records, not rows), unlinked, and the
records the model was asked about.

1. Exact: the normalised ID number equals a registry person's (exact.py; a number two people hold
   goes by the name, else to review).
   The exact step is Arrow compute whichever engine is asked for: a hash join on one column, as
   fast in process as anything Spark could do after copying the tables to it.
2. Probabilistic: every other record — ID number invalid, missing, or valid but unknown to the
   registry — is compared with Splink on name, birth date, sex, place and the ID number's digits
   (features.py reads the parts of a broken number that survive); model.py holds the comparisons,
   probabilistic.py the training and the decision; spark.py and dialect.py run the same model on
   Splink's Spark backend (engine="spark").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from . import features as F
from .exact import exact_links
from .schema import LINKS, PEOPLE_COLUMNS, RECORD_COLUMNS, LinkageInputError, require

__all__ = ["DEFAULT_REVIEW_BAND", "DEFAULT_THRESHOLD", "ENGINES", "LINKS", "LinkResult", "LinkageInputError", "link"]

#: Where Splink scores the pairs (the exact step is Arrow on both: a hash join on the ID number).
ENGINES = ("duckdb", "spark")

MODEL_FORMAT = "huitoukan.linkage/1"
#: A probabilistic match counts at ≥ 0.99; 0.80–0.99 goes to a person; below 0.80 nothing.
DEFAULT_THRESHOLD = 0.99
DEFAULT_REVIEW_BAND = (0.80, 0.99)
#: Fewer records to link than this and EM is not identifiable: the documented priors are kept.
DEFAULT_EM_MIN_RECORDS = 20_000


@dataclass
class LinkResult:
    links: pa.Table
    model: dict
    counts: dict = field(default_factory=dict)


def link(people: pa.Table, records: pa.Table, *, model: dict | None = None, threshold: float = DEFAULT_THRESHOLD,
         review_band: tuple[float, float] = DEFAULT_REVIEW_BAND, em_min_records: int = DEFAULT_EM_MIN_RECORDS,
         seed: int = 1, threads: int | None = None, engine: str = "duckdb") -> LinkResult:
    """Link `records` to `people`: exact on the ID number, then Splink for the rest, on Splink's
    DuckDB backend (`engine="duckdb"`, in process) or its Spark backend (`engine="spark"`, the
    look-back's Spark session). The model is the same on both and its JSON goes from one to the
    other."""
    if engine not in ENGINES:
        raise ValueError(f"unknown linkage engine {engine!r}; choose one of {', '.join(ENGINES)}")
    require(people, PEOPLE_COLUMNS, "people")
    require(records, RECORD_COLUMNS, "records")
    low, high = review_band
    if not (0.0 < low <= high <= threshold <= 1.0):
        raise ValueError(f"review band {review_band} must lie below the threshold {threshold}, within (0, 1]")
    if model is not None and model.get("format") != MODEL_FORMAT:
        raise LinkageInputError(f"model: not a {MODEL_FORMAT} model")
    if pc.count(records["row_number"], mode="only_null").as_py() or \
            len(pc.unique(records["row_number"])) != records.num_rows:
        raise LinkageInputError("records: row_number must be present and unique")

    exact = exact_links(people, records)
    placed = pc.is_in(records["row_number"].cast(pa.int64()), exact["row_number"])
    rest = records.filter(pc.invert(placed))

    settings = None if model is None else model["splink"]
    training: dict = {"reused": True} if model is not None else {"m": "none", "why": "no record to link"}
    probabilistic = LINKS.empty_table()
    if rest.num_rows:
        from .probabilistic import link_probabilistic

        decided, settings, training = link_probabilistic(
            _people_features(people), _record_features(rest), settings=settings, threshold=threshold,
            review_low=low, em_min_records=em_min_records, seed=seed, threads=threads, engine=engine)
        probabilistic = decided.cast(LINKS)
    links = pa.concat_tables([exact, probabilistic]).sort_by([("row_number", "ascending"),
                                                              ("match_weight", "descending")])
    out_model = {"format": MODEL_FORMAT, "threshold": threshold, "review_band": [low, high],
                 "training": training, "splink": settings}
    return LinkResult(links=links, model=out_model, counts=_counts(records.num_rows, rest.num_rows, links))


def _people_features(people: pa.Table) -> pa.Table:
    get = _getter(people)
    return F.build(people["person_id"], people["id_number"], people["name"], birth_date=get("birth_date"),
                   sex=get("sex"), town=get("town"), village=get("village"), address=get("address"))


def _record_features(records: pa.Table) -> pa.Table:
    get = _getter(records)
    return F.build(records["row_number"], records["id_number"], records["name"], birth_date=get("birth_date"),
                   sex=get("sex"), address=get("address"))


def _getter(table: pa.Table):
    def get(column: str):
        if column not in table.column_names or pa.types.is_null(table.schema.field(column).type):
            return None
        return table[column]
    return get


def _counts(n_records: int, n_asked: int, links: pa.Table) -> dict:
    counts = {"records": n_records, "asked_model": n_asked}
    for kind in ("exact", "probabilistic", "review"):
        rows = links.filter(pc.equal(links["link"], kind))
        counts[kind] = len(pc.unique(rows["row_number"]))
    counts["unlinked"] = n_records - counts["exact"] - counts["probabilistic"] - counts["review"]
    return counts
