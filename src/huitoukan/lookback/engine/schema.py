"""The tables rule SQL reads, and the table the engine returns.

This is the contract between the registry and the rules: a rule may use any column below, and the
snapshot (lookback/snapshot.py) must supply every one of them. Codes are the identifiers of
DOMAIN.md §2 (status 'lifted', relation 'son', …), never the Chinese labels, so that a rule does not
change when a county's export spells a value differently. Money is DECIMAL(14,2) in yuan.

Columns marked *derived* are added by `prepare()` from the others, for the as-of date of the run.
"""

import pyarrow as pa

MONEY = pa.decimal128(14, 2)

REGION = pa.schema([
    ("region_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
    ("level", pa.string()),  # county | town | village | hamlet
    ("parent_code", pa.string()),
    ("is_poor_village", pa.bool_()),
])

HOUSEHOLD = pa.schema([
    ("household_id", pa.int64()),
    ("household_no", pa.string()),
    ("county_code", pa.string()),
    ("town_code", pa.string()),
    ("village_code", pa.string()),
    ("hamlet_code", pa.string()),  # null when the file has no hamlets
    ("is_poor_village", pa.bool_()),
    ("head_name", pa.string()),
    ("household_size", pa.int32()),  # as recorded (人数), null when missing
    ("household_type", pa.string()),  # ordinary | dibao | tekun | ''
    ("status", pa.string()),  # not_lifted | lifted | returned | unstable | marginal | sudden_hardship | risk_cleared
    ("identified_year", pa.int32()),
    ("exit_year", pa.int32()),
    ("main_cause", pa.string()),  # '' when missing
    ("food_clothing", pa.bool_()),
    ("water_safe", pa.bool_()),
    ("house_rating", pa.string()),  # A | B | C | D | ''
    ("house_renovated", pa.bool_()),
    ("wage", MONEY),
    ("business", MONEY),
    ("business_expense", MONEY),
    ("property", MONEY),
    ("transfer", MONEY),
    ("net_income", MONEY),
    ("per_capita_income", MONEY),
    ("helper_id", pa.int64()),  # null: no helper
    ("helper_name", pa.string()),
])

PERSON = pa.schema([
    ("person_id", pa.int64()),
    ("person_key", pa.string()),  # stable identity across imports (Person.source_key)
    ("person_no", pa.string()),
    ("household_id", pa.int64()),
    ("household_no", pa.string()),
    ("name", pa.string()),
    ("id_number", pa.string()),  # as recorded, normalised by the import; '' when missing
    ("sex", pa.string()),  # male | female | ''
    ("relation", pa.string()),  # head | spouse | son | daughter | … | other
    ("schooling", pa.string()),
    ("health", pa.string()),
    ("disability_grade", pa.string()),
    ("labor", pa.string()),
    ("medical_insured", pa.bool_()),
    ("deceased", pa.bool_()),
])

#: Added to `person` by prepare(); null where the ID number is not valid.
PERSON_DERIVED = pa.schema([
    ("id_valid", pa.bool_()),  # a valid GB 11643 number (same verdict as stdnum.cn.ric.is_valid)
    ("id_invalid_reason", pa.string()),  # length | characters | birth_date | birth_place | check_digit | null
    ("birth_date", pa.date32()),  # from a valid ID number
    ("id_sex", pa.string()),  # male | female, from a valid ID number's 17th digit
    ("age", pa.int32()),  # full years at the as-of date, from birth_date
])

SNAPSHOT_SCHEMAS = {"region": REGION, "household": HOUSEHOLD, "person": PERSON}

#: What the engine returns: one row per finding, the same whichever engine ran it.
FINDING_SCHEMA = pa.schema([
    ("code", pa.string()),
    ("target_type", pa.string()),  # household | person | village
    ("target_key", pa.string()),  # household_no | person_key | village code: the problem's identity
    ("household_id", pa.int64()),  # null for village targets
    ("person_id", pa.int64()),  # null unless the target is a person
    ("village_code", pa.string()),
    ("severity", pa.string()),
    ("message", pa.string()),  # Chinese, with the values that broke the rule
    ("values", pa.string()),  # JSON object of those values
])
