"""Ground truth: the findings the look-back rules of DOMAIN.md §3 must return on the generated data."""

from __future__ import annotations

from dataclasses import dataclass

REGISTRY_CODES = [
    "ID_INVALID", "ID_DUPLICATE", "ID_SEX_MISMATCH", "HEAD_MISSING", "HEAD_MULTIPLE", "SPOUSE_SAME_SEX",
    "RELATION_AGE", "SIZE_MISMATCH", "NO_HELPER", "CAUSE_MISSING", "INCOME_INCONSISTENT",
    "GUARANTEE_EDUCATION", "GUARANTEE_MEDICAL", "GUARANTEE_HOUSING", "GUARANTEE_WATER",
    "EXIT_BELOW_LINE", "EXIT_SAME_YEAR", "BORDERLINE",
]
CROSS_CODES = [
    "DECEASED_UNMARKED", "EXCL_PAYROLL", "EXCL_BUSINESS", "EXCL_PROPERTY", "EXCL_CAR", "DIBAO_MISMATCH",
    "ENTRY_MISSED", "RISK_MEDICAL_COST",
]
ALL_CODES = REGISTRY_CODES + CROSS_CODES

# What each code's finding is about (the "target" of its (code, target) identity).
TARGET_TYPE = {
    "ID_INVALID": "person", "ID_DUPLICATE": "person", "ID_SEX_MISMATCH": "person",
    "HEAD_MISSING": "household", "HEAD_MULTIPLE": "household", "SPOUSE_SAME_SEX": "household",
    "RELATION_AGE": "person", "SIZE_MISMATCH": "household", "NO_HELPER": "household",
    "CAUSE_MISSING": "household", "INCOME_INCONSISTENT": "household", "GUARANTEE_EDUCATION": "person",
    "GUARANTEE_MEDICAL": "person", "GUARANTEE_HOUSING": "household", "GUARANTEE_WATER": "household",
    "EXIT_BELOW_LINE": "household", "EXIT_SAME_YEAR": "household", "BORDERLINE": "household",
    "DECEASED_UNMARKED": "person", "EXCL_PAYROLL": "person", "EXCL_BUSINESS": "person",
    "EXCL_PROPERTY": "person", "EXCL_CAR": "person", "DIBAO_MISMATCH": "household",
    "ENTRY_MISSED": "person", "RISK_MEDICAL_COST": "person",
}

COLUMNS = ["code", "target_type", "target", "household_no", "dataset", "link", "note"]


@dataclass(frozen=True)
class Truth:
    code: str
    target_type: str
    target: str  # household_no, person_no, or (ENTRY_MISSED) the dataset person's ID number
    household_no: str
    dataset: str = ""
    link: str = ""  # exact | probabilistic | ""
    note: str = ""

    def row(self) -> tuple:
        return (self.code, self.target_type, self.target, self.household_no, self.dataset, self.link, self.note)


def sort_key(t: Truth):
    return (ALL_CODES.index(t.code), t.target, t.dataset)
