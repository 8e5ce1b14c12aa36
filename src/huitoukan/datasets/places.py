"""Where a department record of somebody outside the registry lives: the town (and village) its
address names. Django-free, so that the early warning (datasets/warnings.py) and the look-back
engine (ENTRY_MISSED, lookback/engine/core.py) place people the same way.

    place_unlinked(signals, towns) -> pa.Table          the early warning's: a town id per unlinked record
    place_addresses(addresses, regions) -> pa.Table     the engine's: town and village codes per address

Both read an address the same way: a town is named when the address contains its name; of several,
the one whose county the address also names wins, then the longest name (白沙 inside 白沙镇 must not
win), then the smallest id or code, so that every engine and every run picks the same town. A
department writes places as names (青石县岩铺镇杉河村), never as codes.
"""

from __future__ import annotations

import pyarrow as pa


def _connect():
    import duckdb

    # No extension may be fetched at run time (no internet), as the look-back's backend.
    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})


def place_unlinked(signals: pa.Table, towns: pa.Table) -> pa.Table:
    """`signals` with `address_town_id` (int64): for an unlinked record, the town (`towns`: town_id,
    town, county) its address names — of several, the one whose county the address also names, then
    the longest name (白沙 inside 白沙镇 must not win); null when it names none or the record is linked."""
    con = _connect()
    try:
        con.register("signals", signals)
        con.register("towns", towns)
        result = con.sql("""
            WITH s AS (SELECT *, row_number() OVER () AS k FROM signals),
            hit AS (
                SELECT s.k, t.town_id FROM s JOIN towns t
                  ON s.person_id IS NULL AND s.address IS NOT NULL AND contains(s.address, t.town)
                QUALIFY row_number() OVER (PARTITION BY s.k ORDER BY contains(s.address, t.county) DESC,
                                           length(t.town) DESC, t.town_id) = 1)
            SELECT s.* EXCLUDE (k), hit.town_id::BIGINT AS address_town_id
            FROM s LEFT JOIN hit USING (k) ORDER BY s.k""").to_arrow_table()
    finally:
        con.close()
    return result


PLACES = pa.schema([("town_code", pa.string()), ("village_code", pa.string())])


def place_addresses(addresses: pa.Array | pa.ChunkedArray, regions: pa.Table) -> pa.Table:
    """One row per address (PLACES, in order): the code of the town of `regions` (the look-back
    snapshot's region table: code, name, level, parent_code) the address names, as place_unlinked
    chooses it, and the code of the village of that town it names (the longest name, then the
    code). A village is looked for only inside the town found — two towns often have a 新村 — except
    when `regions` holds no town at all (a village's own run), where the village's name alone
    places it. Null where the address names nothing of `regions`."""
    con = _connect()
    try:
        con.register("a", pa.table({"k": pa.array(range(len(addresses)), pa.int64()),
                                    "address": pa.array(addresses, pa.string())
                                    if not isinstance(addresses, pa.ChunkedArray) else addresses.cast(pa.string())}))
        con.register("regions", regions.select(["code", "name", "level", "parent_code"]))
        result = con.sql("""
            WITH r AS (SELECT code, name, level, parent_code FROM regions WHERE COALESCE(name, '') <> ''),
            town_hit AS (
                SELECT a.k, t.code AS town_code
                FROM a JOIN r t ON t.level = 'town' AND a.address IS NOT NULL AND contains(a.address, t.name)
                LEFT JOIN r c ON c.level = 'county' AND c.code = t.parent_code
                QUALIFY row_number() OVER (PARTITION BY a.k ORDER BY COALESCE(contains(a.address, c.name), FALSE) DESC,
                                           length(t.name) DESC, t.code) = 1),
            village_hit AS (
                SELECT a.k, v.code AS village_code
                FROM a LEFT JOIN town_hit h USING (k)
                JOIN r v ON v.level = 'village' AND a.address IS NOT NULL AND contains(a.address, v.name)
                WHERE v.parent_code = h.town_code
                   OR (h.town_code IS NULL AND NOT EXISTS (SELECT 1 FROM r t WHERE t.level = 'town'))
                QUALIFY row_number() OVER (PARTITION BY a.k ORDER BY length(v.name) DESC, v.code) = 1)
            SELECT h.town_code, v.village_code
            FROM a LEFT JOIN town_hit h USING (k) LEFT JOIN village_hit v USING (k)
            ORDER BY a.k""").to_arrow_table()
    finally:
        con.close()
    return pa.Table.from_arrays([result["town_code"].cast(pa.string()), result["village_code"].cast(pa.string())],
                                schema=PLACES)
