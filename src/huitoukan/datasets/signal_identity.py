"""The identity of an early-warning signal across months and reloads, so that a signal dispatched
and visited once is recognised when it appears again (dispatch.py).

    person_key(row) -> str     who the signal is about
    signal_key(row) -> str     which signal about them it is

Both are keyed hashes (HMAC-SHA256, hex), never an ID number: an 18-digit ID number has so little
entropy (region, birth date, a 3-digit sequence) that a plain hash of it is reversed by trying them
all; keyed with a server secret it is not. The secret is the installation's pseudonym key
(accounts/pseudonyms.py, settings.PSEUDONYM_KEY), which is never rotated — changing it would change
every key, and every dispatched signal would then read as not dispatched.

The person, best first:
- the ID number (normalised: trimmed, upper-case X) — the registry person's when the record is
  linked to one who has an ID number, else the record's own. So a person found outside the
  registry, visited, and then brought in keeps the same key: linked now, same number;
- a linked person without an ID number: the registry person's source_key;
- neither (an unlinked record with no ID number): the load and row — nothing else says that two
  such records are one person, and a wrong merge would mark a stranger visited, while a fresh key
  only costs a second visit.

The signal: its kind and the person, and for the kinds a person may have more than once, what
tells them apart — a dibao or tekun record's start date, a medical-cost year. A disability of
grade 1–2 and a death are one per person.
"""

from __future__ import annotations

from huitoukan.accounts.pseudonyms import pseudonym

from .warnings import HIGH_MEDICAL_COST, NEW_DIBAO


def _digest(text: str) -> str:
    return pseudonym(text, "warning-signal")


def normalise_id_number(value: str | None) -> str:
    return (value or "").strip().upper()


def person_identity(row: dict) -> str:
    """The unhashed person part (kept private to this module and its tests)."""
    number = normalise_id_number(row.get("person_id_number")) or normalise_id_number(row.get("id_number"))
    if number:
        return f"id:{number}"
    if row.get("person_id") is not None and row.get("source_key"):
        return f"person:{row['source_key']}"
    return f"record:{row['load_id']}:{row['row_number']}"


def person_key(row: dict) -> str:
    """`row`: a warnings row (id_number, person_id, load_id, row_number) with, when linked, the
    registry person's `person_id_number` and `source_key`."""
    return _digest(person_identity(row))


def signal_key(row: dict) -> str:
    part = ""
    if row["signal"] == NEW_DIBAO:
        part = row["event_date"].isoformat() if row.get("event_date") else ""
    elif row["signal"] == HIGH_MEDICAL_COST:
        part = str(row["year"])
    return _digest(f"{row['signal']}|{person_identity(row)}|{part}")
