"""`huitoukan datasets link --engine spark`: a stored load linked through Splink's Spark backend."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from huitoukan.datasets import linking
from huitoukan.datasets.linkage import link
from huitoukan.datasets.models import Linkage
from huitoukan.datasets.tables import load_table
from huitoukan.lookback.snapshot import take_snapshot

from .test_linking import load_of, registry  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.spark, pytest.mark.slow]


def test_the_command_links_through_spark(county, registry):  # noqa: F811
    from huitoukan.cli import app

    death = load_of(county.paths["death.csv"], "death")
    result = CliRunner().invoke(app, ["datasets", "link", "death", "--engine", "spark"])
    assert result.exit_code == 0, result.output
    linkage = Linkage.objects.get(load=death)
    assert str(linkage.counts["exact"]) in result.output and linkage.counts["asked_model"] > 0
    stored = pq.read_table(linking.links_path(linkage))

    # Trained on Spark: u from Spark's own random pairs, which are not DuckDB's for the same seed.
    people = linking.registry_people(take_snapshot())
    records = load_table(death, columns=["row_number", "id_number", "name", "birth_date", "sex", "address"])
    on_duckdb = link(people, records)
    u = lambda model: [lv.get("u_probability") for c in model["splink"]["comparisons"]
                       for lv in c["comparison_levels"]]
    assert linkage.model["training"]["u"] == "random_sampling"
    assert u(linkage.model) != u(on_duckdb.model)
    # The stored model is DuckDB's dialect and links the load the same way there.
    again = link(people, records, model=linkage.model)
    assert again.links.select(["row_number", "person_id", "link", "reason"]).equals(
        stored.select(["row_number", "person_id", "link", "reason"]))


def test_an_unknown_engine_is_refused(county, registry):  # noqa: F811
    from huitoukan.cli import app

    load_of(county.paths["death.csv"], "death")
    result = CliRunner().invoke(app, ["datasets", "link", "--engine", "polars"])
    assert result.exit_code != 0 and not Linkage.objects.exists()
