"""datasets.tables: the contract the linkage and the look-back read."""

import pyarrow as pa
import pytest

from huitoukan.datasets import tables
from huitoukan.datasets.loading import storage
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_current_tables_carry_their_load(county):
    death = load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    load_dataset(county.paths["school.csv"], "school", as_of=AS_OF)
    got = tables.current_tables()
    assert set(got) == {"death", "school"}
    table = got["death"]
    assert table.schema.field("load_id").type == pa.int64()
    meta = table.schema.metadata
    assert meta[b"huitoukan.kind"] == b"death" and meta[b"huitoukan.load_id"] == str(death.load_id).encode()
    assert meta[b"huitoukan.as_of"] == b"2020-12-31" and meta[b"huitoukan.sha256"] == death.sha256.encode()
    assert tables.current_loads(["death"])["death"].pk == death.load_id


def test_columns_limit_what_is_read(county):
    load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    table = tables.current_tables(["death"], columns=["id_number", "death_date"])["death"]
    assert table.column_names == ["row_number", "id_number", "death_date", "load_id"]


def test_a_load_without_its_records_is_unavailable(county):
    report = load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    load = DatasetLoad.objects.get(pk=report.load_id)
    storage.path_of(load.stored_file).unlink()
    with pytest.raises(tables.DatasetUnavailable):
        tables.load_table(load)
    load.state = DatasetLoad.State.REMOVED
    load.save()
    assert tables.current_tables(["death"]) == {}  # a removed load is never the one in use


def test_the_parquet_file_is_readable_without_django(county):
    import duckdb

    report = load_dataset(county.paths["medical_cost.csv"], "medical_cost", as_of=AS_OF)
    path = tables.parquet_path(DatasetLoad.objects.get(pk=report.load_id))
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false; SET autoload_known_extensions = false")
    rows, paid = con.execute(f"SELECT count(*), sum(self_paid) FROM read_parquet('{path}')").fetchone()
    table = tables.load_table(DatasetLoad.objects.get(pk=report.load_id))
    assert rows == table.num_rows and paid == pa.compute.sum(table.column("self_paid")).as_py()


def test_orphan_files_are_found(county, data_dir):
    load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    stray = storage.datasets_dir() / "000999-death-0000000000000000.parquet"
    stray.write_bytes(b"")
    known = set(DatasetLoad.objects.values_list("stored_file", flat=True))
    assert storage.orphan_files(known) == [stray]
