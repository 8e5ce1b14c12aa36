"""Splink's Spark backend for the probabilistic step (`link(..., engine="spark")`).

The session is the look-back's (lookback.engine.spark_backend.spark_session: one JVM per process,
local[2] unless HUITOUKAN_SPARK_MASTER says otherwise, Splink's similarity jar on its class path).
Each linking works in a child session of its own (`newSession()`), as a look-back run does: Splink's
intermediate tables are temporary views there, and its Scala functions (jaro_winkler,
damerau_levenshtein) are registered there (`register_udfs_automatically`). Closing unpersists what
Splink cached and drops every view, so a long-running process (the web's task worker) keeps
nothing of a linking but its result.

Intermediate tables are persisted in memory (Splink's `persist`) rather than written as Parquet
(Splink's default outside Databricks, which needs a checkpoint folder): a county's or a province's
pairs fit in memory, and there is nothing to clean up on disk.
"""

from __future__ import annotations

import pyarrow as pa

from .dialect import SparkSQL
from .probabilistic import PREDICTION_COLUMNS


class SparkDatabase:
    def __init__(self):
        from splink import SparkAPI

        from huitoukan.lookback.engine.spark_backend import spark_session

        class TrackingSparkAPI(SparkAPI):
            """Splink persists its intermediate tables and never unpersists them (dropping a view
            does not uncache the DataFrame behind it). Each frame it may persist is the one its
            repartitioning step returns (persist() marks that very frame; the blocked pairs are
            repartitioned once more after it), kept here to be let go at close."""

            def _repartition_if_needed(api, spark_df, templated_name):
                spark_df = super()._repartition_if_needed(spark_df, templated_name)
                self.persisted.append(spark_df)
                return spark_df

        self.persisted = []
        self.spark = spark_session().newSession()
        self.sql = SparkSQL()
        self.api = TrackingSparkAPI(spark_session=self.spark, break_lineage_method="persist",
                                    register_udfs_automatically=True)

    def register(self, table: pa.Table, name: str):
        from huitoukan.lookback.engine.spark_backend import _spark_ready

        return self.api.register(self.spark.createDataFrame(_spark_ready(table)), dataset_display_name=name)

    def predictions(self, pairs) -> pa.Table:
        return self.spark.sql(f"SELECT {PREDICTION_COLUMNS} FROM {pairs.physical_name}").toArrow()

    def close(self) -> None:
        for frame in self.persisted:
            frame.unpersist()
        self.persisted = []
        catalog = self.spark.catalog
        for table in catalog.listTables():
            if table.isTemporary:
                catalog.dropTempView(table.name)
