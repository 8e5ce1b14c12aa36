"""The Fellegi–Sunter model Splink trains and applies: comparisons, blocking rules, prior m values.

Every comparison is plain DuckDB SQL with core functions only (jaro_winkler_similarity,
damerau_levenshtein), so no extension is ever loaded; the same text is what Splink's Spark backend
will run later (sqlglot translates it).

The m values written here are priors: what share of true matches fall in each level when a
department clerk copies a person's details (names almost always right, a birth date mistyped now
and then, the ID number mistyped in one or two digits). u values are always trained (random pairs);
m values are refined by expectation maximisation when the data can identify them (see training.py).
"""

from __future__ import annotations

import copy

SETTINGS_VERSION = 1

#: Blocking rules for prediction: every pair that is compared shares one of these. Each keeps a
#: block small at a million registry people (a birth date holds ~30 of them; a name with a birth
#: year, a town or the ID's last four digits a handful), and together they reach every typo case:
#: a typo in the ID's birth digits still leaves the name and the last digits; a record without a
#: birth date or an ID still has a name and a town.
PREDICTION_BLOCKS = [
    ["birth_date"],
    ["name", "birth_year"],
    ["name", "town"],
    ["name", "id_tail"],
]

#: EM sessions: each trains the comparisons its block does not fix.
TRAINING_BLOCKS = [
    ["birth_date"],
    ["name", "town"],
]


def _level(sql: str, label: str, m: float) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m}


def _null(sql: str) -> dict:
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _rare(sql: str, label: str, m: float, u: float) -> dict:
    """A level random pairs (almost) never reach, so sampling cannot measure its u: fixed."""
    return {**_level(sql, label, m), "u_probability": u, "fix_u_probability": True}


def _else(m: float) -> dict:
    return {"sql_condition": "ELSE", "label_for_charts": "else", "m_probability": m}


COMPARISONS = [
    {
        "output_column_name": "name",
        "comparison_description": "name: exact (term-frequency adjusted), Jaro-Winkler ≥ 0.8, ≥ 0.65",
        "comparison_levels": [
            _null('"name_l" IS NULL OR "name_r" IS NULL'),
            {**_level('"name_l" = "name_r"', "exact", 0.92), "tf_adjustment_column": "name",
             "tf_adjustment_weight": 1.0},
            _level('jaro_winkler_similarity("name_l", "name_r") >= 0.8', "jaro-winkler ≥ 0.8", 0.05),
            _level('jaro_winkler_similarity("name_l", "name_r") >= 0.65', "jaro-winkler ≥ 0.65", 0.02),
            _else(0.01),
        ],
    },
    {
        "output_column_name": "birth_date",
        "comparison_description": "birth date: exact, one character typed wrong or two swapped, same month",
        "comparison_levels": [
            _null('"birth_date_l" IS NULL OR "birth_date_r" IS NULL'),
            _level('"birth_date_l" = "birth_date_r"', "exact", 0.85),
            # Both are YYYYMMDD. DuckDB's edit distances cost microseconds a pair; the Hamming test
            # first leaves them a handful of pairs (inside CASE, AND only evaluates its right side
            # where the left holds).
            _level('hamming("birth_date_l", "birth_date_r") <= 2 AND damerau_levenshtein("birth_date_l", "birth_date_r") <= 1',
                   "one typo", 0.10),
            _level('substr("birth_date_l", 1, 6) = substr("birth_date_r", 1, 6)', "same year and month", 0.02),
            _else(0.03),
        ],
    },
    {
        "output_column_name": "sex",
        "comparison_description": "sex",
        "comparison_levels": [
            _null('"sex_l" IS NULL OR "sex_r" IS NULL'),
            _level('"sex_l" = "sex_r"', "same", 0.97),
            _else(0.03),
        ],
    },
    {
        "output_column_name": "place",
        "comparison_description": "place: village, town, the ID's six-digit birth place",
        "comparison_levels": [
            _null('("town_l" IS NULL OR "town_r" IS NULL) AND ("place_code_l" IS NULL OR "place_code_r" IS NULL)'),
            _level('"village_l" = "village_r" AND "town_l" = "town_r"', "same village", 0.80),
            _level('"town_l" = "town_r"', "same town", 0.10),
            _level('"place_code_l" = "place_code_r"', "same birth place code", 0.05),
            _else(0.05),
        ],
    },
    {
        "output_column_name": "id_number",
        "comparison_description": "ID number: a broken one a typo away; both valid and different; other",
        "comparison_levels": [
            _null('"id_number_l" IS NULL OR "id_number_r" IS NULL'),
            # Two valid numbers are never one edit apart (MOD 11-2 catches every single error):
            # only a broken number can be, and then to a handful of registry numbers at most, so
            # random pairs never show it and its u is fixed (1e-5 overstates it at a thousand
            # people and understates the evidence at a million). One edit leaves the last six
            # characters as they were, or the first eleven (a change of two adjacent characters,
            # an insertion, a deletion): that cheap test spares the edit distance on nearly every
            # pair (inside CASE, AND evaluates its right side only where the left holds).
            _rare('NOT ("id_valid_l" AND "id_valid_r")'
                  ' AND (left("id_number_l", 11) = left("id_number_r", 11) OR right("id_number_l", 6) = right("id_number_r", 6))'
                  ' AND damerau_levenshtein("id_number_l", "id_number_r") <= 1', "broken, one typo away", 0.85, 1e-5),
            # Two valid, different numbers: two people, but for a reissued number. No partial
            # agreement is rewarded: digits shared with another valid number (place, birth date)
            # are what the birth date and place comparisons already count.
            _level('"id_valid_l" AND "id_valid_r"', "both valid, different", 0.02),
            _else(0.13),
        ],
    },
]


def _rule(columns: list[str]) -> dict:
    return {"blocking_rule": " AND ".join(f'l."{c}" = r."{c}"' for c in columns), "sql_dialect": "duckdb"}


def prior_settings(probability_two_random_records_match: float) -> dict:
    """A fresh, untrained Splink settings dict (JSON-serialisable)."""
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "blocking_rules_to_generate_predictions": [_rule(c) for c in PREDICTION_BLOCKS],
        "comparisons": copy.deepcopy(COMPARISONS),
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


def training_rules() -> list[dict]:
    return [_rule(c) for c in TRAINING_BLOCKS]
