"""The Spark engine: the same rule SQL (translated by sqltext.bind) on Apache Spark.

One SparkSession per process, started on first use (a local JVM takes ~10 s to start) and stopped
at exit. Each backend works in its own child session (`newSession()`), which shares the JVM and
the cluster but not the temporary views, so that two look-backs in one process cannot read each
other's `person` table.

`HUITOUKAN_SPARK_MASTER` names the cluster (`spark://host:7077`, `yarn`, …); the default is
`local[2]`. Nothing is downloaded at run time: no --packages, no Ivy; SQL over Arrow needs only the
jars PySpark ships with, and the linkage's string similarities (Jaro-Winkler, Damerau-Levenshtein)
come from the jar inside Splink's wheel (`splink_jar()`), put on the session's class path at start.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pyarrow as pa

MASTER_ENV = "HUITOUKAN_SPARK_MASTER"
DEFAULT_MASTER = "local[2]"

# Spark logs every warning of its own start-up to the terminal; a look-back's output (and a test
# run's) should show only real errors. The gateway's own level must equal the root's, or Spark
# prints "Setting default log level" to the terminal.
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""

_lock = threading.Lock()
_session = None
_workdir: Path | None = None


def master() -> str:
    return os.environ.get(MASTER_ENV, "").strip() or DEFAULT_MASTER


class SparkUnavailable(RuntimeError):
    pass


def check_java() -> None:
    """PySpark's own complaint when there is no JVM ("Java gateway process exited") names no cause."""
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        raise SparkUnavailable(
            "the Spark engine needs a Java runtime (17 or 21): run scripts/bootstrap.sh --spark"
        )


def splink_jar() -> Path | None:
    """Splink's Scala similarity functions for Spark 4 (jaro_winkler, damerau_levenshtein), shipped
    inside the Splink wheel: the linkage's Spark backend (datasets/linkage) needs them. Looked up
    without importing Splink (a look-back has no use for it), None when Splink is not installed.

    Spark reads `spark.jars` only when the JVM starts, so the jar goes on every session: one process
    may run the look-back first and link a dataset afterwards (`huitoukan check --engine spark`)."""
    spec = importlib.util.find_spec("splink")
    if spec is None or spec.origin is None:
        return None
    jars = sorted(Path(spec.origin).parent.glob("internals/files/spark_jars/scala-udf-similarity-*_spark4.x.jar"))
    return jars[-1] if jars else None


def spark_session():
    """The process's SparkSession, started on first call."""
    global _session, _workdir
    with _lock:
        if _session is None:
            check_java()
            from pyspark.sql import SparkSession

            url = master()
            local = url.startswith("local")
            _workdir = Path(tempfile.mkdtemp(prefix="huitoukan-spark-"))
            log_config = _workdir / "log4j2.properties"
            log_config.write_text(_LOG4J2, encoding="utf-8")
            if local:
                # A local driver listens on the loopback only, and says nothing about host names.
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = (
                SparkSession.builder.master(url)
                .appName("huitoukan-lookback")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                # Spark 4's default, stated so that a cluster's defaults cannot change what a rule
                # means: a bad cast, an overflow or `//` by zero fails, as on DuckDB.
                .config("spark.sql.ansi.enabled", "true")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
                .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log_config}")
                .config("spark.local.dir", str(_workdir / "local"))
                .config("spark.sql.warehouse.dir", str(_workdir / "warehouse"))
            )
            jar = splink_jar()
            if jar is not None:
                builder = builder.config("spark.jars", str(jar))
            if local:
                # A county's tables are small: two cores want a few partitions, not the default 200.
                builder = builder.config("spark.sql.shuffle.partitions", "4").config(
                    "spark.default.parallelism", "4"
                )
                # The local driver is the executor too: Spark's 1 GiB default ran out of heap linking
                # 100,000 records (Splink persists its blocked pairs). Read when the JVM starts.
                builder = builder.config("spark.driver.memory", os.environ.get("HUITOUKAN_SPARK_DRIVER_MEMORY", "4g"))
            _session = builder.getOrCreate()
            _session.sparkContext.setLogLevel("ERROR")
            _quiet_python_loggers()
            # Registered after PySpark's own exit hooks, so it runs before they take the JVM down.
            atexit.register(stop_session)
        return _session


def _quiet_python_loggers() -> None:
    """PySpark logs every SQL error as JSON on stderr before raising it; the raised exception is
    what the caller sees and reports, so the log line is only noise."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def stop_session() -> None:
    global _session, _workdir
    with _lock:
        if _session is not None:
            # At interpreter exit the JVM may already be gone.
            with contextlib.suppress(Exception):
                _session.stop()
            _session = None
        if _workdir is not None:
            shutil.rmtree(_workdir, ignore_errors=True)
            _workdir = None


class SparkBackend:
    """Arrow tables as temporary views of a child session; queries come back as Arrow."""

    dialect = "spark"

    def __init__(self):
        self.spark = spark_session().newSession()
        self.views: list[str] = []

    def register(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.spark.createDataFrame(_spark_ready(table)).createOrReplaceTempView(name)
            self.views.append(name)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def close(self) -> None:
        for name in self.views:
            self.spark.catalog.dropTempView(name)
        self.views = []


def _spark_ready(table: pa.Table) -> pa.Table:
    """Spark has no column type for Arrow's `null` (a column built from nothing but Nones): such a
    column becomes a string column of nulls, which is what an empty text field is everywhere else.

    One chunk per column: PySpark 4.3's createDataFrame(pa.Table) returns no rows at all for a
    table that starts with several empty chunks (concatenated tables, e.g. datasets of several parts), with
    no error (tests/lookback/test_spark.py::test_a_table_that_starts_with_empty_chunks)."""
    table = table.combine_chunks()
    for i, column in enumerate(table.schema):
        if pa.types.is_null(column.type):
            table = table.set_column(i, column.name, pa.nulls(table.num_rows, pa.string()))
    return table
