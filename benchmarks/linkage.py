"""Benchmark: linking a department dataset to the registry (issue 4, requirement 2).

    .venv/bin/python benchmarks/linkage.py [--people 1000000] [--records 1000000] [--sample 2000]
                                           [--data DIR] [--seed 3] [--engine duckdb|spark]

The data (made once per size and seed under DIR, default <tmp>/huitoukan-bench-linkage, as Parquet):
a registry of `people` people and a dataset of `records` records, 5 % of which need probabilistic
matching. Generated with numpy and Arrow, not with `huitoukan synth` (a million-household county
takes minutes), but with synth's own helpers for realism: names (common surnames, given-name
characters by generation), birth dates, GB 11643 ID numbers without collisions (synth.idnumbers).
The registry: people of 0–94 years over 30 towns of 20 villages. The dataset: 95 % registry people
under their own ID number; then, of the 5 %: 40 % registry people whose number was mistyped (one
digit changed or two adjacent swapped, as synth.idnumbers.make_typo does) or left out, 50 % residents
outside the registry with their own valid numbers, 10 % same-name decoys (a registry person's name,
another birth date, another village, a number of their own). A third of the records carry a birth
date, every one a sex and an address (the blank-number ones always a birth date).

Each measurement runs in its own child process (the modules it needs already imported; reading the
Parquet files is reported apart); the parent samples the child's resident memory with psutil.

- linkage: huitoukan.datasets.linkage.link(people, records) — Arrow in, Arrow out: the exact join,
  the features, Splink's training (u by random sampling, EM, the prior match probability) and its
  prediction on DuckDB, the decisions. End to end; the target is under 2 minutes on this 2-core
  machine (Splink's own claim is about a minute for a million records on a laptop).
- reference (straightforward): pandas for the exact join on the ID number, then, for the records
  left, the same four blocks as pandas merges and every candidate pair scored in a Python loop with
  rapidfuzz (Jaro-Winkler on the name, Damerau-Levenshtein on the birth date and the ID number, sex
  and place compared as strings), weighted with the m and u the linkage trained and decided with the
  same threshold, band and rules. The exact join and the features are timed in full; the blocks and
  the loop on a random sample of `sample` records left, scaled linearly to all of them (the work is
  per record: each record's pairs are its own). The reference's decisions on the sample are compared
  with the linkage's.

Printed: times, the ratio reference ÷ linkage, peak memory, and the linkage's accuracy on the data's
truth (exact links; recall and precision of the probabilistic ones; decoys flagged). Results also go
to benchmarks/out/linkage.json.

`--engine spark` (meant for small sizes, e.g. `--people 100000 --records 100000`; local[2] Spark on
two cores is no match for DuckDB in one process): the same linkage with Splink's Spark backend
(`link(..., engine="spark")`), the Spark session's start timed apart, then the same data linked on
DuckDB for the comparison; no rapidfuzz reference. Both are trained on their own backend; the
accuracy is the Spark linking's. Results go to benchmarks/out/linkage_spark.json. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 120.0
PROBABILISTIC_SHARE = 0.05
COUNTY_CODE, NEIGHBOURS = 522628, (522626, 522627, 522629, 522631, 522633)


# --- the data ------------------------------------------------------------------------------------


def generate(place: Path, people: int, records: int, seed: int) -> dict:
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from huitoukan.synth.idnumbers import BirthTable, IdAllocator, format_ids
    from huitoukan.synth.names import draw_surnames, full_names

    rng = np.random.default_rng(seed)
    as_of = dt.date(2020, 12, 31)
    n_prob = round(PROBABILISTIC_SHARE * records)
    n_typo, n_decoy = round(0.4 * n_prob), round(0.1 * n_prob)
    n_outside = n_prob - n_typo - n_decoy
    n_exact = records - n_prob
    if n_exact + n_typo > people:
        raise SystemExit("records need more registry people than there are")
    total = people + n_outside + n_decoy

    # Everyone: registry people, then the residents outside it, then the decoys' own numbers.
    birth = BirthTable(as_of).draw(rng, rng.integers(0, 95, total))
    male = rng.random(total) < 0.5
    prefix = np.where(rng.random(total) < 0.95, COUNTY_CODE, np.array(NEIGHBOURS)[rng.integers(0, 5, total)])
    names = full_names(rng, draw_surnames(rng, total), male, birth.astype("datetime64[Y]").astype(np.int64) + 1970)
    village = rng.integers(0, 600, total)
    # A decoy: a registry person's name and sex, a birth date 1–15 years off, another village.
    namesakes = rng.choice(people, size=n_decoy, replace=False)
    decoys = np.arange(people + n_outside, total)
    names[decoys], male[decoys] = names[namesakes], male[namesakes]
    shift = rng.integers(365, 15 * 365, n_decoy) * np.where(rng.random(n_decoy) < 0.5, 1, -1)
    shifted = birth[namesakes] + shift.astype("timedelta64[D]")
    birth[decoys] = np.where(shifted > np.datetime64(as_of) - np.timedelta64(365, "D"),
                             birth[namesakes] - np.abs(shift).astype("timedelta64[D]"), shifted)
    village[decoys] = (village[namesakes] + rng.integers(1, 600, n_decoy)) % 600
    ids = format_ids(IdAllocator(rng).allocate(prefix, birth, male))

    towns = _place_names(rng, 30, "镇")
    villages = _place_names(rng, 600, "村")
    town_of = village // 20
    people_table = pa.table({
        "person_id": pa.array(np.arange(1, people + 1), pa.int64()),
        "id_number": pa.array(ids[:people], pa.string()),
        "name": pa.array(names[:people], pa.string()),
        "sex": pa.array(np.where(male[:people], "male", "female"), pa.string()),
        "birth_date": pa.array(birth[:people]),
        "town": pa.array(towns[town_of[:people]], pa.string()),
        "village": pa.array(villages[village[:people]], pa.string()),
    })

    # The dataset: who each record is (an index into everyone) and the number it carries.
    order = rng.permutation(people)
    exact_people, typo_people = order[:n_exact], order[n_exact:n_exact + n_typo]
    who = np.concatenate([exact_people, typo_people, np.arange(people, total)])
    recorded = ids[who].astype(object)
    kind = rng.integers(0, 5, n_typo)  # 0–1 digit, 2–3 swap, 4 missing
    recorded[n_exact:n_exact + n_typo] = _typos(rng, ids[typo_people], kind)
    has_birth = rng.random(records) < 1 / 3
    has_birth[n_exact:n_exact + n_typo] |= kind == 4
    truth = np.full(records, -1, dtype=np.int64)
    truth[:n_exact + n_typo] = who[:n_exact + n_typo] + 1  # person_id
    status = np.array(["exact"] * n_exact + ["typo"] * n_typo + ["outside"] * n_outside + ["decoy"] * n_decoy)
    shuffle = rng.permutation(records)
    who, recorded, has_birth, truth, status = who[shuffle], recorded[shuffle], has_birth[shuffle], truth[shuffle], \
        status[shuffle]
    records_table = pa.table({
        "row_number": pa.array(np.arange(1, records + 1), pa.int64()),
        "id_number": pa.array(recorded, pa.string()),
        "name": pa.array(names[who], pa.string()),
        "birth_date": pa.array(birth[who], mask=~has_birth),
        "sex": pa.array(np.where(male[who], "男", "女"), pa.string()),
        "address": pa.array("青石县" + towns[town_of[who]] + villages[village[who]], pa.string()),
    })
    place.mkdir(parents=True, exist_ok=True)
    pq.write_table(people_table, place / "people.parquet")
    pq.write_table(records_table, place / "records.parquet")
    pq.write_table(pa.table({"row_number": records_table["row_number"], "person_id": truth, "status": status}),
                   place / "truth.parquet")
    info = {"people": people, "records": records, "exact": n_exact, "typo": n_typo, "outside": n_outside,
            "decoy": n_decoy}
    (place / "ready.json").write_text(json.dumps(info))
    return info


def _place_names(rng, n: int, suffix: str):
    import numpy as np

    chars = np.array(list("东南西北上下前后新老大小石河山水林田花竹岩洞坪坝溪江桥塘湾岭"))
    picks = rng.choice(len(chars) ** 2, size=n, replace=False)
    return chars[picks // len(chars)].astype(object) + chars[picks % len(chars)].astype(object) + suffix


def _typos(rng, ids, kind):
    """One digit changed (kind 0–1), two adjacent different digits swapped (2–3), blank (4); the
    check digit catches every one of them (MOD 11-2), as in synth.idnumbers.make_typo."""
    import numpy as np

    b = np.frombuffer("".join(ids.tolist()).encode(), dtype=np.uint8).reshape(-1, 18).copy()
    rows = np.arange(len(b))
    at = rng.integers(0, 16, len(b))
    swap = (kind >= 2) & (kind <= 3) & (b[rows, at] != b[rows, at + 1])
    digit = (kind <= 3) & ~swap
    old = b[rows, at].copy()
    b[rows[swap], at[swap]] = b[rows[swap], at[swap] + 1]
    b[rows[swap], at[swap] + 1] = old[swap]
    changed = (old[digit] - ord("0") + 1 + rng.integers(0, 9, int(digit.sum()))) % 10 + ord("0")
    b[rows[digit], at[digit]] = changed
    out = np.array([row.tobytes().decode() for row in b], dtype=object)
    out[kind == 4] = None
    return out


# --- the children --------------------------------------------------------------------------------


def child_linkage(place: str, out: str, engine: str = "duckdb") -> dict:
    import pyarrow.parquet as pq

    from huitoukan.datasets.linkage import link

    start = time.perf_counter()
    people, records = pq.read_table(Path(place) / "people.parquet"), pq.read_table(Path(place) / "records.parquet")
    read = time.perf_counter() - start
    session = 0.0
    if engine == "spark":  # the JVM's start is paid once per process: reported apart
        from huitoukan.lookback.engine.spark_backend import spark_session

        start = time.perf_counter()
        spark_session().range(1).collect()
        session = time.perf_counter() - start
    start = time.perf_counter()
    result = link(people, records, engine=engine)
    seconds = time.perf_counter() - start
    pq.write_table(result.links, Path(out) / "links.parquet")
    (Path(out) / "model.json").write_text(json.dumps(result.model))
    return {"seconds": seconds, "read_seconds": read, "session_seconds": session, "counts": result.counts,
            "training": result.model["training"]}


def child_reference(place: str, out: str, sample: int, seed: int) -> dict:
    import numpy as np
    import pyarrow.parquet as pq

    from huitoukan.datasets.linkage import features as F
    from huitoukan.datasets.linkage.exact import exact_links  # noqa: F401  (same import cost as ours)

    model = json.loads((Path(out) / "model.json").read_text())
    people, records = pq.read_table(Path(place) / "people.parquet"), pq.read_table(Path(place) / "records.parquet")

    start = time.perf_counter()
    p = people.to_pandas()
    r = records.to_pandas()
    p["id_norm"] = p["id_number"].str.strip().str.upper()
    r["id_norm"] = r["id_number"].str.strip().str.upper()
    exact = r.merge(p[["id_norm", "person_id"]], on="id_norm", how="inner")
    rest = r[~r["row_number"].isin(exact["row_number"])]
    pf = F.build(people["person_id"], people["id_number"], people["name"], birth_date=people["birth_date"],
                 sex=people["sex"], town=people["town"], village=people["village"]).to_pandas()
    rf_all = F.build(pa_column(rest, "row_number"), pa_column(rest, "id_number"), pa_column(rest, "name"),
                     birth_date=pa_column(rest, "birth_date"), sex=pa_column(rest, "sex"),
                     address=pa_column(rest, "address")).to_pandas()
    full_seconds = time.perf_counter() - start

    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(rf_all), size=min(sample, len(rf_all)), replace=False)
    rf = rf_all.iloc[np.sort(chosen)]
    start = time.perf_counter()
    decisions = _reference_link(pf, rf, rf_all, model)
    sample_seconds = time.perf_counter() - start
    scaled = sample_seconds * len(rf_all) / max(1, len(rf))
    ours = pq.read_table(Path(out) / "links.parquet").to_pandas()
    ours = ours[ours["row_number"].isin(set(rf["unique_id"])) & (ours["reason"].isin(["model", "ambiguous"]))]
    ours_set = set(zip(ours["row_number"], ours["person_id"], ours["link"]))
    agree = len(ours_set & decisions) / max(1, len(ours_set | decisions))
    return {"seconds": full_seconds + scaled, "full_part_seconds": full_seconds, "sample_seconds": sample_seconds,
            "sample_records": len(rf), "records_left": len(rf_all), "agreement_on_sample": agree,
            "sample_decisions": len(decisions)}


def pa_column(frame, column):
    import pyarrow as pa

    return pa.Array.from_pandas(frame[column])


def _reference_link(pf, rf, rf_all, model) -> set:
    """Blocks as pandas merges, then a Python loop over the pairs with rapidfuzz."""
    import pandas as pd
    from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

    settings = model["splink"]
    threshold, (low, _high) = model["threshold"], model["review_band"]
    levels = {c["output_column_name"]: [lv for lv in c["comparison_levels"] if not lv.get("is_null_level")]
              for c in settings["comparisons"]}
    weight = {name: [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in lvs] for name, lvs in levels.items()}
    name_exact_u = levels["name"][0]["u_probability"]
    tf_min = levels["name"][0].get("tf_minimum_u_value") or 0.0
    names = pd.concat([pf["name"], rf_all["name"]]).dropna()
    tf = (names.value_counts() / len(names)).to_dict()
    lam = settings["probability_two_random_records_match"]
    prior = math.log2(lam / (1 - lam))

    pairs = []
    for block in (["birth_date"], ["name", "birth_year"], ["name", "town"], ["name", "id_tail"]):
        left = rf.dropna(subset=block)
        merged = left.merge(pf.dropna(subset=block), on=block, suffixes=("_r", "_p"))
        pairs.append(merged[["unique_id_r", "unique_id_p"]])
    pairs = pd.concat(pairs).drop_duplicates()
    rec = rf.set_index("unique_id").to_dict("index")
    per = pf[pf["unique_id"].isin(pairs["unique_id_p"])].set_index("unique_id").to_dict("index")
    scored: dict[int, list] = {}
    for row, person in zip(pairs["unique_id_r"].tolist(), pairs["unique_id_p"].tolist()):
        a, b = rec[row], per[person]
        w = prior
        if a["name"] is not None and b["name"] is not None:
            if a["name"] == b["name"]:
                w += weight["name"][0] + math.log2(name_exact_u / max(tf.get(a["name"], 0.0), tf_min))
            else:
                s = JaroWinkler.similarity(a["name"], b["name"])
                w += weight["name"][1 if s >= 0.8 else 2 if s >= 0.65 else 3]
        if a["birth_date"] is not None and b["birth_date"] is not None:
            if a["birth_date"] == b["birth_date"]:
                w += weight["birth_date"][0]
            elif DamerauLevenshtein.distance(a["birth_date"], b["birth_date"]) <= 1:
                w += weight["birth_date"][1]
            else:
                w += weight["birth_date"][2 if a["birth_date"][:6] == b["birth_date"][:6] else 3]
        if a["sex"] is not None and b["sex"] is not None:
            w += weight["sex"][0 if a["sex"] == b["sex"] else 1]
        towns = a["town"] is not None and b["town"] is not None
        codes = a["place_code"] is not None and b["place_code"] is not None
        if towns or codes:
            if towns and a["town"] == b["town"] and a["village"] == b["village"]:
                w += weight["place"][0]
            elif towns and a["town"] == b["town"]:
                w += weight["place"][1]
            else:
                w += weight["place"][2 if codes and a["place_code"] == b["place_code"] else 3]
        if a["id_number"] is not None and b["id_number"] is not None:
            both_valid = bool(a["id_valid"]) and bool(b["id_valid"])
            if not both_valid and DamerauLevenshtein.distance(a["id_number"], b["id_number"]) <= 1:
                w += weight["id_number"][0]
            else:
                w += weight["id_number"][1 if both_valid else 2]
        probability = 2 ** w / (1 + 2 ** w)
        if probability >= low:
            scored.setdefault(row, []).append((w, person, probability))
    decisions = set()
    for row, candidates in scored.items():
        candidates.sort(key=lambda c: (-c[0], c[1]))
        sure = sum(c[2] >= threshold for c in candidates)
        link = "probabilistic" if len(candidates) == 1 and sure == 1 else "review"
        for _w, person, _p in candidates[:3]:
            decisions.add((row, person, link))
    return decisions


def child_accuracy(place: str, out: str) -> dict:
    import pyarrow.parquet as pq

    truth = pq.read_table(Path(place) / "truth.parquet").to_pandas()
    links = pq.read_table(Path(out) / "links.parquet").to_pandas()
    merged = links.merge(truth, on="row_number", suffixes=("", "_true"))
    exact = merged[merged["link"] == "exact"]
    prob = merged[merged["link"] == "probabilistic"]
    typo = truth[truth["status"] == "typo"]
    found = prob[prob["status"] == "typo"]
    decoy_rows = set(truth.loc[truth["status"] == "decoy", "row_number"])
    return {
        "exact_links": len(exact), "exact_wrong": int((exact["person_id"] != exact["person_id_true"]).sum()),
        "exact_expected": int((truth["status"] == "exact").sum()),
        "probabilistic_cases": len(typo),
        "recall": int((found["person_id"] == found["person_id_true"]).sum()) / max(1, len(typo)),
        "precision": int((prob["person_id"] == prob["person_id_true"]).sum()) / max(1, len(prob)),
        "review_records": int(merged.loc[merged["link"] == "review", "row_number"].nunique()),
        "decoys_flagged": int(links["row_number"].isin(decoy_rows).sum()),
    }


# --- the parent ----------------------------------------------------------------------------------


def measured(args: list[str]) -> tuple[str, float, int]:
    """Run a command; (stdout, wall seconds, peak resident bytes sampled with psutil)."""
    import psutil

    start = time.perf_counter()
    process = psutil.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                           env={**os.environ})
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss + sum(c.memory_info().rss for c in process.children(True)))
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"{' '.join(args[:4])} … failed ({process.returncode}):\n{err[-3000:]}")
    return out, seconds, peak


def run_child(*args: str) -> dict:
    out, _seconds, peak = measured([sys.executable, __file__, "--child", *map(str, args)])
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_bytes"] = peak
    return result


def mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "huitoukan-bench-linkage"))
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.child:
        name, *rest = args.child
        result = {"linkage": child_linkage, "accuracy": child_accuracy,
                  "reference": lambda p, o, s, seed: child_reference(p, o, int(s), int(seed))}[name](*rest)
        print(json.dumps(result))
        return 0

    place = Path(args.data) / f"p{args.people}-r{args.records}-s{args.seed}"
    if (place / "ready.json").exists():
        info = json.loads((place / "ready.json").read_text())
    else:
        start = time.perf_counter()
        info = generate(place, args.people, args.records, args.seed)
        info["generate_seconds"] = time.perf_counter() - start
        print(f"data generated in {info['generate_seconds']:.1f} s: {info}")
    out = place / "out"
    out.mkdir(exist_ok=True)
    if args.engine == "spark":
        return spark_main(args, place, info)

    ours = run_child("linkage", place, out)
    accuracy = run_child("accuracy", place, out)
    ref = run_child("reference", place, out, args.sample, args.seed)
    ratio = ref["seconds"] / ours["seconds"]
    print(f"registry {args.people:,} people, dataset {args.records:,} records "
          f"({info['typo'] + info['outside'] + info['decoy']:,} needing the model: {info['typo']:,} mistyped or "
          f"blank numbers, {info['outside']:,} outside the registry, {info['decoy']:,} decoys)")
    print(f"linkage   {ours['seconds']:7.1f} s end to end (Arrow in, Arrow out; + {ours['read_seconds']:.1f} s "
          f"reading Parquet)  peak {mib(ours['peak_bytes'])}  training {ours['training']}")
    print(f"          counts {ours['counts']}")
    print(f"reference {ref['seconds']:7.1f} s (exact join and features {ref['full_part_seconds']:.1f} s in full; "
          f"blocks and rapidfuzz loop {ref['sample_seconds']:.1f} s on {ref['sample_records']:,} of "
          f"{ref['records_left']:,} records, scaled)  peak {mib(ref['peak_bytes'])}")
    print(f"ratio reference ÷ linkage: {ratio:.1f}×; decisions agreeing on the sample: "
          f"{ref['agreement_on_sample']:.3f}")
    print(f"accuracy: exact {accuracy['exact_links']:,} links ({accuracy['exact_wrong']} wrong, "
          f"{accuracy['exact_expected']:,} expected); probabilistic recall {accuracy['recall']:.4f}, "
          f"precision {accuracy['precision']:.4f} over {accuracy['probabilistic_cases']:,} cases; "
          f"{accuracy['review_records']} records in review; decoys flagged {accuracy['decoys_flagged']}")
    verdict = "met" if ours["seconds"] < TARGET_SECONDS else "NOT met"
    print(f"target under {TARGET_SECONDS:.0f} s: {verdict}")
    result = {"people": args.people, "records": args.records, "data": info, "linkage": ours, "reference": ref,
              "ratio": ratio, "accuracy": accuracy, "target_seconds": TARGET_SECONDS, "cpus": os.cpu_count()}
    (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "out" / "linkage.json").write_text(json.dumps(result, indent=2, default=str))
    return 0


def spark_main(args, place: Path, info: dict) -> int:
    """The linkage on Splink's Spark backend, then on DuckDB, on the same data; printed, not judged."""
    outs = {engine: place / f"out-{engine}" for engine in ("spark", "duckdb")}
    for folder in outs.values():
        folder.mkdir(exist_ok=True)
    spark = run_child("linkage", place, outs["spark"], "spark")
    accuracy = run_child("accuracy", place, outs["spark"])
    duck = run_child("linkage", place, outs["duckdb"], "duckdb")
    print(f"registry {args.people:,} people, dataset {args.records:,} records "
          f"({info['typo'] + info['outside'] + info['decoy']:,} needing the model)")
    print(f"Spark   {spark['seconds']:7.1f} s linking (+ {spark['session_seconds']:.1f} s starting the session, "
          f"{spark['read_seconds']:.1f} s reading Parquet)  peak {mib(spark['peak_bytes'])} (the driver and the JVM)")
    print(f"        counts {spark['counts']}  training {spark['training']}")
    print(f"DuckDB  {duck['seconds']:7.1f} s linking  peak {mib(duck['peak_bytes'])}")
    print(f"        counts {duck['counts']}")
    print(f"Spark ÷ DuckDB: {spark['seconds'] / duck['seconds']:.1f}× (local[2], this machine)")
    print(f"accuracy on Spark: exact {accuracy['exact_links']:,} links ({accuracy['exact_wrong']} wrong); "
          f"probabilistic recall {accuracy['recall']:.4f}, precision {accuracy['precision']:.4f} over "
          f"{accuracy['probabilistic_cases']:,} cases; {accuracy['review_records']} records in review; "
          f"decoys flagged {accuracy['decoys_flagged']}")
    result = {"people": args.people, "records": args.records, "data": info, "spark": spark, "duckdb": duck,
              "accuracy_spark": accuracy, "cpus": os.cpu_count()}
    (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "out" / "linkage_spark.json").write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
