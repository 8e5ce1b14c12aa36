"""Step two: Splink (DuckDB backend) for the records the ID number did not place.

The DuckDB connection is ours, made with extension autoloading and autoinstalling off: nothing is
fetched at run time, and every comparison uses DuckDB core functions only.

Training (when no model is given):
- u (how often a level occurs between two different people): random pairs of the two tables.
- the prior probability that a random pair matches: pairs a deterministic rule is sure of (same
  name and birth date; same name, same last four digits and the ID one typo away), at an assumed
  recall of 0.8 — at least one expected match, so that a dataset with none still scores.
- m (how often a level occurs for the same person): expectation maximisation on blocked pairs when
  the records to link are at least `em_min_records`. Below that the blocked pairs hold too few
  true matches for EM to tell the two classes apart (Splink's guidance: matches should be 1–99 %
  of the training pairs), and the priors of model.py stay. The model records which it was.

Decision per record, among candidates at or above the review band's lower bound: one candidate at
or above the threshold and no other → 'probabilistic'; otherwise every candidate (at most
`MAX_CANDIDATES`) → 'review' (reason 'model', or 'ambiguous' when two or more reach the threshold or
a second one is within the band). Below the band: no link.
"""

from __future__ import annotations

import contextlib
import logging

import duckdb
import pyarrow as pa

from . import model as M
from .dialect import DuckDBSQL

MAX_CANDIDATES = 3
U_MAX_PAIRS = 1e6
EM_MAX_PAIRS = 2e6
#: No level is impossible for the same person. EM on clean data drives the m of a level it never
#: sees among matches to 0 (a weight of −∞), which would forbid a match on any disagreement — a
#: misspelt name, a wrong sex entered by hand. Trained m values are floored here and renormalised.
M_FLOOR = 0.005
REGISTRY, RECORDS = "registry", "records"
#: What the decision reads of Splink's predictions.
PREDICTION_COLUMNS = "source_dataset_l, unique_id_l, unique_id_r, match_probability, match_weight"


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    # No extension may be fetched at run time (no internet): refuse autoloading outright.
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def link_probabilistic(person_features: pa.Table, record_features: pa.Table, *, settings: dict | None,
                       threshold: float, review_low: float, em_min_records: int, seed: int,
                       threads: int | None = None, engine: str = "duckdb") -> tuple[pa.Table, dict, dict]:
    """(candidate decisions as (row_number, person_id, link, match_probability, match_weight,
    reason), the Splink settings with trained parameters, how they were trained).

    `engine` is the Splink backend: 'duckdb' (in process) or 'spark' (spark.py). The settings come
    and go in DuckDB's dialect on both (dialect.py), and the decision is the same DuckDB query over
    the predictions either way, so the two differ only in where the pairs are scored."""
    from splink import Linker

    # Splink warns of what is intended here (levels no random pair reaches, default max_pairs).
    logging.getLogger("splink").setLevel(logging.ERROR)
    with _database(engine, threads) as db:
        registry = db.register(person_features, REGISTRY)
        records = db.register(record_features, RECORDS)
        n_people, n_records = person_features.num_rows, record_features.num_rows
        sql = db.sql
        training: dict
        if settings is None:
            linker = Linker([registry, records], sql.settings(M.prior_settings(1.0 / max(1, n_people))),
                            log_level=None)
            training = _train(linker, sql, n_people, n_records, em_min_records, seed)
            trained = floor_m(sql.canonical(linker.misc.save_model_to_json()))
            linker = Linker([registry, records], sql.settings(trained), log_level=None)
        else:
            linker = Linker([registry, records], sql.settings(settings), log_level=None)
            training = {"reused": True}
        pairs = linker.inference.predict(threshold_match_probability=review_low)
        predictions = db.predictions(pairs)
        trained = sql.canonical(linker.misc.save_model_to_json())
    return decide(predictions, threshold), trained, training


@contextlib.contextmanager
def _database(engine: str, threads: int | None):
    if engine == "spark":
        from .spark import SparkDatabase

        database = SparkDatabase()
    elif engine == "duckdb":
        database = DuckDBDatabase(threads)
    else:
        raise ValueError(f"unknown linkage engine {engine!r}")
    try:
        yield database
    finally:
        database.close()


class DuckDBDatabase:
    """Splink's DuckDB backend on a connection of our own."""

    sql = DuckDBSQL()

    def __init__(self, threads: int | None = None):
        from splink import DuckDBAPI

        self.con = connect(threads)
        self.api = DuckDBAPI(connection=self.con)

    def register(self, table: pa.Table, name: str):
        return self.api.register(table, dataset_display_name=name)

    def predictions(self, pairs) -> pa.Table:
        return self.con.sql(f"SELECT {PREDICTION_COLUMNS} FROM {pairs.physical_name}").to_arrow_table()

    def close(self) -> None:
        self.con.close()


def _train(linker, sql, n_people: int, n_records: int, em_min_records: int, seed: int) -> dict:
    training = {"u": "random_sampling", "u_max_pairs": U_MAX_PAIRS}
    # One pass over the sample: Splink's early stop waits for 100 pairs in every level, which a
    # level no random pair reaches (a village when the dataset has no address) never gets.
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed, min_count_per_level=None,
                                                     num_chunks=1)
    floor = 1.0 / (max(1, n_people) * max(1, n_records))
    try:
        linker.training.estimate_probability_two_random_records_match(
            [sql.sql('l."name" = r."name" AND l."birth_date" = r."birth_date"'),
             sql.sql('l."name" = r."name" AND l."id_tail" = r."id_tail" '
                     'AND damerau_levenshtein(l."id_number", r."id_number") <= 1')],
            recall=0.8)
        estimated = linker._settings_obj._probability_two_random_records_match
        training["lambda"] = "deterministic_rules"
    except ValueError:  # no pair a deterministic rule is sure of
        estimated = 0.0
    if estimated < floor:
        linker._settings_obj._probability_two_random_records_match = floor
        training["lambda"] = "one_expected_match"
    if n_records >= em_min_records:
        for rule in M.training_rules():
            linker.training.estimate_parameters_using_expectation_maximisation(
                sql.rule(rule), estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS)
        training["m"] = "expectation_maximisation"
    else:
        training["m"] = "prior"
        training["m_why"] = f"{n_records} records to link, fewer than {em_min_records}: EM not identifiable"
    return training


def floor_m(settings: dict) -> dict:
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        floored = [max(M_FLOOR, lv.get("m_probability") or 0.0) for lv in levels]
        total = sum(floored)
        for lv, m in zip(levels, floored):
            lv["m_probability"] = m / total
    return settings


def decide(predictions: pa.Table, threshold: float) -> pa.Table:
    """The decision over the predicted pairs (PREDICTION_COLUMNS, at or above the review band), on
    DuckDB whichever backend scored them: a handful of rows a record."""
    con = connect(1)
    try:
        con.register("predictions", predictions)
        return _decide(con, "predictions", threshold)
    finally:
        con.close()


def _decide(con: duckdb.DuckDBPyConnection, predictions: str, threshold: float) -> pa.Table:
    sql = f"""
    WITH p AS (
        SELECT
            CASE WHEN source_dataset_l = '{RECORDS}' THEN unique_id_l ELSE unique_id_r END AS row_number,
            CASE WHEN source_dataset_l = '{RECORDS}' THEN unique_id_r ELSE unique_id_l END AS person_id,
            match_probability, match_weight
        FROM {predictions}
    ), ranked AS (
        SELECT *,
            row_number() OVER (PARTITION BY row_number ORDER BY match_weight DESC, person_id) AS rank,
            count(*) OVER (PARTITION BY row_number) AS candidates,
            count(*) FILTER (WHERE match_probability >= {threshold}) OVER (PARTITION BY row_number) AS sure
        FROM p
    )
    SELECT row_number::BIGINT AS row_number, person_id::BIGINT AS person_id,
        CASE WHEN candidates = 1 AND sure = 1 THEN 'probabilistic' ELSE 'review' END AS link,
        match_probability::DOUBLE AS match_probability, match_weight::DOUBLE AS match_weight,
        CASE WHEN candidates = 1 THEN 'model' WHEN sure >= 1 THEN 'ambiguous' ELSE 'model' END AS reason
    FROM ranked
    WHERE rank <= {MAX_CANDIDATES}
    ORDER BY row_number, rank
    """
    return con.sql(sql).to_arrow_table()
