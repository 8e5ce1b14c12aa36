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

#: Department dataset tables (DOMAIN.md §4), one per kind, named by the kind: the load in use of
#: each kind (datasets/tables.py) with each record's registry person (datasets/linking.py). Every
#: table: row_number, the person columns, the kind's own columns, extra (as datasets.kinds.table_schema,
#: kept equal by a test: the engine imports no Django), then
#:   load_id    the DatasetLoad the record came from: with row_number, what a finding names
#:   person_id  the registry person the record is linked to; NULL when not linked (no match, or a
#:              candidate still waiting for review: never silently a finding)
#:   link       'exact' (same ID number) | 'probabilistic' (name, birth date, place) | 'reviewed' |
#:              'pending' (person_id NULL: a candidate waits for review) | NULL (linked to nobody)
_DATASET_PERSON = [
    ("row_number", pa.int64()),
    ("id_number", pa.string()),  # as the department wrote it, cleaned; not validated; null when empty
    ("name", pa.string()),
    ("birth_date", pa.date32()),
    ("sex", pa.string()),
    ("address", pa.string()),
]
_DATASET_OWN = {
    "death": [("death_date", pa.date32())],
    "vehicle": [("plate_no", pa.string()), ("vehicle_type", pa.string()), ("registered_on", pa.date32())],
    "business": [("entity_name", pa.string()), ("entity_type", pa.string()), ("registration_status", pa.string()),
                 ("established_on", pa.date32())],
    "property": [("location", pa.string()), ("property_type", pa.string()), ("registered_on", pa.date32())],
    "payroll": [("employer", pa.string()), ("staff_category", pa.string())],
    "dibao": [("category", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32())],
    "disability": [("disability_kind", pa.string()), ("disability_grade", pa.int8())],
    "school": [("school_name", pa.string()), ("stage", pa.string()), ("enrolment_status", pa.string())],
    "medical_insurance": [("insured_year", pa.int32()), ("insurance_status", pa.string())],
    "medical_cost": [("year", pa.int32()), ("total_cost", MONEY), ("self_paid", MONEY)],
}
DATASET_LINK_COLUMNS = [("load_id", pa.int64()), ("person_id", pa.int64()), ("link", pa.string())]
DATASET_SCHEMAS = {
    kind: pa.schema(_DATASET_PERSON + own + [("extra", pa.map_(pa.string(), pa.string()))] + DATASET_LINK_COLUMNS)
    for kind, own in _DATASET_OWN.items()
}

#: What the engine returns: one row per finding, the same whichever engine ran it.
FINDING_SCHEMA = pa.schema([
    ("code", pa.string()),
    ("target_type", pa.string()),  # household | person | village | resident
    # household_no | person_key | village code | "ID:" + 16 hex of the ID number's SHA-256 (resident):
    # the problem's identity
    ("target_key", pa.string()),
    ("household_id", pa.int64()),  # null for village targets
    ("person_id", pa.int64()),  # null unless the target is a person
    ("village_code", pa.string()),
    ("severity", pa.string()),
    ("message", pa.string()),  # Chinese, with the values that broke the rule
    ("values", pa.string()),  # JSON object of those values
    # A target without a household (resident): the most precise region its address names (village,
    # town, else the run's one county); null for every other target (the household places it).
    ("region_code", pa.string()),
])
