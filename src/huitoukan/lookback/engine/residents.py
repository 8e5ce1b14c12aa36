"""Targets outside the registry (`resident`): a person known only from department records.

A resident has no household, person or village row to be keyed by. What stays the same across
loads and runs is the ID number; but the ledger's key is printed, exported and shown to every role,
and an ID number is masked for most of them (accounts/masking.py). So the key is "ID:" + the first
16 hex digits of an HMAC-SHA256 of the normalised number under the installation's pseudonym key
(settings.PSEUDONYM_KEY, accounts/pseudonyms.py): stable, one per person, and saying nothing of the
number. Keyed, because a plain hash of an 18-character ID number is reversed by trying every
number (a county prefix, a birth date, three digits: tens of millions of tries, seconds). The
engine, free of Django, is given the key; without one it uses DEFAULT_KEY, which is public and
good only for rule cases and tests. A record without a valid GB 11643 number has no such key — two
records with a blank or mistyped number cannot be told to be one person, nor told apart from a
registry member whose number was mistyped — and gives no finding.

Where the resident lives is what the address names (datasets/places.py, as the early warning
places people): a town, and a village of it, of the run's regions. Without one, a county-wide run
places the resident in the county (visible to county-wide users); a town's or village's run, whose
regions do not include the county, leaves out a resident it cannot place inside them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

from .idnumbers import check_id_numbers

KEY_PREFIX = "ID:"
#: Not a secret: what rule cases and Django-free callers key with. Runs pass the installation's key.
DEFAULT_KEY = b"huitoukan-engine-default"


def normalise_id_numbers(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """As the registry and dataset imports leave them: NFKC (full-width digits), no surrounding
    space, upper-case X; empty → null."""
    ids = pa.chunked_array([ids]) if isinstance(ids, pa.Array) else ids
    ids = pc.utf8_upper(pc.utf8_trim_whitespace(pc.utf8_normalize(ids.cast(pa.string()), "NFKC")))
    return pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.string()), ids).combine_chunks()


def resident_key(id_number: str, key: bytes = DEFAULT_KEY) -> str:
    """The ledger key of the resident with this (valid, normalised) ID number."""
    return KEY_PREFIX + hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()[:16]


def resident_keys(ids: pa.Array | pa.ChunkedArray, as_of: dt.date, key: bytes = DEFAULT_KEY) -> pa.Array:
    """resident_key() of each ID number, null where the number is not valid. A rule returns a few
    thousand rows: hashing them one by one costs milliseconds."""
    normal = normalise_id_numbers(ids)
    valid = check_id_numbers(normal, as_of)["id_valid"].to_pylist()
    return pa.array([resident_key(n, key) if ok else None for n, ok in zip(normal.to_pylist(), valid, strict=True)],
                    pa.string())


def resident_places(addresses: pa.Array | pa.ChunkedArray, regions: pa.Table) -> tuple[pa.Array, pa.Array]:
    """(village code, region code) per address: the village the address names, and the most precise
    region of `regions` it lies in — its village, else its town, else the county when `regions`
    holds exactly one (a county's or the whole registry's run); null when none of these."""
    from huitoukan.datasets.places import place_addresses

    places = place_addresses(addresses, regions)
    counties = regions.filter(pc.equal(regions["level"], "county"))["code"].to_pylist()
    county = counties[0] if len(counties) == 1 else None
    region = pc.coalesce(places["village_code"], places["town_code"], pa.scalar(county, pa.string()))
    return places["village_code"].combine_chunks(), region.combine_chunks()
