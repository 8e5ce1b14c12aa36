"""Benchmark: the registry import against a straightforward reference.

    .venv/bin/python benchmarks/import_registry.py [--households 15000 150000] [--sample 5000]

For each size, the synthetic generator writes a county (≈3.2 people per household, so 15,000 and
150,000 households are ≈50,000 and ≈500,000 people); each measurement runs in its own child process
on a fresh SQLite database (migrations not timed) and reports wall time and peak memory (ru_maxrss).

The reference is what one would write first: pandas.read_csv, then for every row the ORM (regions,
helper, household and person through update_or_create, so django-simple-history writes its rows
one by one). It runs on a sample of rows and is scaled to the whole file (pandas' read of the whole
file is timed, not scaled). Printed: times, the speed-up, the growth from the small to the large
file (ratio and exponent: time ∝ rows^k), and whether the targets hold: ≥ 5× the reference, under
60 s and under 2 GiB for the large file.
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
TARGET_SPEEDUP, TARGET_SECONDS, TARGET_BYTES = 5.0, 60.0, 2 * 1024**3


# --- child processes ---------------------------------------------------------------------------


def _child_setup(data_dir: str) -> None:
    os.environ["HUITOUKAN_DATA_DIR"] = data_dir
    os.environ["HUITOUKAN_TESTING"] = "1"
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "huitoukan.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # Module loading is not import work: pyarrow loads pandas on its first conversion of a Python
    # value, which costs seconds where bytecode is not cached (PYTHONDONTWRITEBYTECODE).
    import pyarrow as pa

    pa.scalar(0)


def _peak_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def child_import(data_dir: str, path: str, repeat: bool) -> dict:
    _child_setup(data_dir)
    from huitoukan.registry.importing.service import import_registry
    from huitoukan.registry.models import Household, Person

    start = time.perf_counter()
    report = import_registry(path)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "peak_bytes": _peak_bytes(), "errors": len(report.errors),
              "households": Household.objects.count(), "people": Person.objects.count(), "rows": report.row_count,
              "first_error": str(report.errors[0]) if report.errors else ""}
    if repeat:
        start = time.perf_counter()
        again = import_registry(path)
        result["repeat_seconds"] = time.perf_counter() - start
        result["repeat_changes"] = again.summary.get("households_updated", 0) + again.summary.get("people_updated", 0)
    return result


def child_reference(data_dir: str, path: str, sample: int) -> dict:
    """pandas + one ORM save per row, on the first `sample` rows; pandas reads the whole file."""
    _child_setup(data_dir)
    import pandas as pd
    from django.db import transaction

    from huitoukan.registry.importing import vocabulary as vocab
    from huitoukan.registry.importing.columns import field_for_header
    from huitoukan.registry.models import AssistingUnit, Helper, Household, Person, Region

    start = time.perf_counter()
    header_row = _header_row(path)
    frame = pd.read_csv(path, dtype=str, skiprows=header_row, keep_default_na=False, encoding="utf-8-sig")
    read_seconds = time.perf_counter() - start
    total_rows = len(frame)
    frame = frame.rename(columns={c: field_for_header(c) or c for c in frame.columns}).head(sample)
    words = {field: {w: code for code, ws in values.items() for w in ws} for field, values in vocab.VALUES.items()}
    flags = {w: flag for flag, ws in vocab.FLAG_WORDS.items() for w in ws}

    def word(field, value):
        return words[field].get(value.strip(), "") if value else ""

    def amount(value):
        value = value.replace(",", "").replace("元", "").strip()
        return value or None

    def number(value):
        value = value.replace("年", "").strip()
        return int(float(value)) if value else None

    start = time.perf_counter()
    with transaction.atomic():
        regions = {}

        def region(level, name, code, parent):
            key = (level, name, parent.pk if parent else None)
            if key not in regions:
                regions[key], _ = Region.objects.get_or_create(
                    name=name, level=level, parent=parent, defaults={"code": code or f"X{len(regions):014d}"})
            return regions[key]

        for row in frame.to_dict("records"):
            code = (row.get("region_code") or "").strip()
            county = region("county", row["county"].strip(), code[:6] + "000000" if code else "", None)
            town = region("town", row["town"].strip(), code[:9] + "000" if code else "", county)
            village = region("village", row["village"].strip(), code[:12], town)
            helper = None
            if row.get("helper"):
                unit, _ = AssistingUnit.objects.get_or_create(name=row.get("helper_unit", "").strip() or "-")
                helper, _ = Helper.objects.get_or_create(name=row["helper"].strip(),
                                                         phone=row.get("helper_phone", "").strip(),
                                                         defaults={"unit": unit})
            household, _ = Household.objects.update_or_create(household_no=row["household_no"].strip(), defaults={
                "county": county, "town": town, "village": village, "helper": helper,
                "status": word("status", row.get("status")), "household_type": word("household_type", row.get("household_type")),
                "main_cause": word("main_cause", row.get("main_cause")),
                "identified_year": number(row.get("identified_year", "")), "exit_year": number(row.get("exit_year", "")),
                "wage": amount(row.get("wage", "")), "transfer": amount(row.get("transfer", "")),
                "per_capita_income": amount(row.get("per_capita_income", "")),
            })
            if word("relation", row.get("relation")) == "head":
                household.head_name = row["name"].strip()
                household.save()
            Person.objects.update_or_create(source_key=row.get("person_no") or row["household_no"] + "/" + row["name"],
                                            defaults={
                "household": household, "person_no": row.get("person_no", ""), "name": row["name"].strip(),
                "id_number": row.get("id_number", "").strip().upper(), "sex": word("sex", row.get("sex")),
                "relation": word("relation", row.get("relation")), "health": word("health", row.get("health")),
                "labor": word("labor", row.get("labor")),
                "medical_insured": flags.get((row.get("medical_insured") or "").strip()),
            })
    save_seconds = time.perf_counter() - start
    return {"read_seconds": read_seconds, "sample_rows": len(frame), "sample_seconds": save_seconds,
            "total_rows": total_rows, "estimated_seconds": read_seconds + save_seconds / len(frame) * total_rows}


def _header_row(path: str) -> int:
    from huitoukan.registry.importing.columns import header_score
    from huitoukan.registry.importing.reading import read_table

    return read_table(Path(path), header_score).header_row - 1


# --- the parent --------------------------------------------------------------------------------


def run_child(*args: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True,
                            text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def generate(outdir: Path, households: int, seed: int) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from huitoukan.synth.generator import SynthConfig
    from huitoukan.synth.generator import generate as synth_generate

    result = synth_generate(outdir, SynthConfig(households=households, seed=seed))
    return Path(result.registry_path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[15_000, 150_000])
    parser.add_argument("--sample", type=int, default=5_000, help="rows the reference imports (then scaled)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="huitoukan-bench-"))
    results = []
    for households in args.households:
        t = time.perf_counter()
        path = generate(workdir / f"county-{households}", households, args.seed)
        generated = time.perf_counter() - t
        ours = run_child("import", str(workdir / f"db-{households}"), str(path), "repeat")
        if ours["errors"]:
            print(f"import of {path} found {ours['errors']} errors, e.g. {ours['first_error']}")
            return 1
        reference = run_child("reference", str(workdir / f"ref-{households}"), str(path), str(args.sample))
        results.append({"households": households, "generated_seconds": generated, "ours": ours, "reference": reference})
        speedup = reference["estimated_seconds"] / ours["seconds"]
        print(f"{ours['households']:>8,} households {ours['people']:>9,} people: import {ours['seconds']:6.1f} s, "
              f"peak {ours['peak_bytes'] / 2**20:6.0f} MiB, {ours['people'] / ours['seconds']:>8,.0f} people/s; "
              f"again (no change) {ours['repeat_seconds']:5.1f} s with {ours['repeat_changes']} changes; "
              f"reference ≈ {reference['estimated_seconds']:7.0f} s "
              f"({reference['sample_rows']:,} rows in {reference['sample_seconds']:.1f} s, scaled); "
              f"speed-up {speedup:5.1f}×", flush=True)

    ok = True
    if len(results) >= 2:
        small, large = results[0], results[-1]
        rows_ratio = large["ours"]["people"] / small["ours"]["people"]
        time_ratio = large["ours"]["seconds"] / small["ours"]["seconds"]
        exponent = math.log(time_ratio) / math.log(rows_ratio)
        print(f"growth {small['ours']['people']:,} → {large['ours']['people']:,} people (×{rows_ratio:.1f}): "
              f"time ×{time_ratio:.1f}, exponent {exponent:.2f} (1.00 = linear)")
    large = results[-1]
    speedup = large["reference"]["estimated_seconds"] / large["ours"]["seconds"]
    checks = [
        (f"speed-up ≥ {TARGET_SPEEDUP:.0f}× the reference", speedup >= TARGET_SPEEDUP, f"{speedup:.1f}×"),
        (f"under {TARGET_SECONDS:.0f} s end to end", large["ours"]["seconds"] < TARGET_SECONDS,
         f"{large['ours']['seconds']:.1f} s"),
        ("peak memory under 2 GiB", large["ours"]["peak_bytes"] < TARGET_BYTES,
         f"{large['ours']['peak_bytes'] / 2**20:.0f} MiB"),
    ]
    for label, passed, value in checks:
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {label}: {value}")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "import_registry.json").write_text(json.dumps(results, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, data_dir, path, extra = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        if kind == "import":
            print(json.dumps(child_import(data_dir, path, repeat=extra == "repeat")))
        else:
            print(json.dumps(child_reference(data_dir, path, int(extra))))
        sys.exit(0)
    sys.exit(main())
