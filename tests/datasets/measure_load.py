"""Measure loading a 1,000,000-row medical_cost file: time and peak memory (docs/datasets.md).

    HUITOUKAN_TESTING=1 .venv/bin/python tests/datasets/measure_load.py [--rows 1000000] [--out DIR]

The file is built from a synthetic county's medical_cost.csv: its rows repeated, each copy with a
new valid ID number (another birth date and order code), and the untidy values of real files kept
(amounts with 元 and thousands separators, full-width and lower-case-x ID numbers, dates in other
formats do not occur in this kind). Writing the file happens in this process; the load runs in a
fresh child process, whose peak resident memory (VmHWM: per process image, unlike ru_maxrss, which
Linux carries over from the parent) is the load's and Django's alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    from huitoukan.synth.generator import SynthConfig, generate

    with tempfile.TemporaryDirectory() as tmp:
        county = generate(Path(tmp), SynthConfig(households=3000, seed=seed, as_of=dt.date(2020, 12, 31)))
        base = pacsv.read_csv(county.paths["medical_cost.csv"],
                              convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                                                   column_types={"证件号码": pa.string(),
                                                                                 "年度": pa.string(),
                                                                                 "医疗总费用": pa.string(),
                                                                                 "个人自付金额": pa.string()}))
    rng = np.random.default_rng(seed)
    take = pa.array(np.arange(rows) % base.num_rows)
    table = base.take(take)
    # New ID numbers: the county's prefix, a birth date between 1930 and 2019, an order code; the
    # check digit computed, so that nearly all are valid (as in a real file).
    days = rng.integers(np.datetime64("1930-01-01").astype(int), np.datetime64("2019-12-31").astype(int), rows)
    births = np.datetime_as_string(days.astype("datetime64[D]")).astype("U10")
    birth_digits = np.char.replace(births, "-", "")
    order = np.char.zfill(rng.integers(0, 1000, rows).astype("U3"), 3)
    first17 = np.char.add(np.char.add("522628", birth_digits), order)
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(rows, 17) - ord("0")
    ids = np.char.add(first17, _CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11])
    ids = np.where(rng.random(rows) < 0.002, np.char.lower(ids), ids)  # a lower-case x now and then
    table = table.set_column(0, "证件号码", pa.array(ids.tolist(), pa.string()))
    # Every 1,000th row without a number, as departments' files have them.
    missing = pa.array(np.arange(rows) % 1000 == 999)
    table = table.set_column(0, "证件号码", pc.if_else(missing, pa.scalar("", pa.string()), table.column(0)))
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, handle, pacsv.WriteOptions(quoting_style="needed"))


def load(path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huitoukan.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from huitoukan.datasets.loading.service import load_dataset
    from huitoukan.datasets.models import DatasetLoad

    DatasetLoad.objects.all().delete()
    before = _peak_kib()
    started = time.perf_counter()
    report = load_dataset(path, "medical_cost", as_of=dt.date(2020, 12, 31))
    elapsed = time.perf_counter() - started
    peak = _peak_kib()
    assert report.written and not report.errors, report.errors[:3]
    load = DatasetLoad.objects.get(pk=report.load_id)
    from huitoukan.datasets.loading import storage

    parquet = storage.path_of(load.stored_file).stat().st_size
    print(f"rows {report.row_count:,}  file {path.stat().st_size / 2**20:.0f} MiB  parquet {parquet / 2**20:.0f} MiB")
    print(f"load {elapsed:.1f} s  peak RSS {peak / 2**10:.0f} MiB (after Django set-up {before / 2**10:.0f} MiB)")
    print(f"ID numbers: {load.id_missing_count:,} missing, {load.id_invalid_count:,} invalid; "
          f"warnings {len(report.warnings)}")


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "huitoukan-measure")
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.load)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"medical_cost_{args.rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        make_file(path, args.rows)
        print(f"wrote {path} in {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "HUITOUKAN_DATA_DIR": str(args.out / "data")}
    subprocess.run([sys.executable, __file__, "--load", str(path)], check=True, env=env)


if __name__ == "__main__":
    main()
