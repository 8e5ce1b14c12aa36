"""The registry generation row and the triggers that keep it (see models.RegistryGeneration).

SQLite has only row triggers: each checks `clean` first, so a bulk write updates the row once (the
first row's trigger clears `clean`) and every later row's trigger only reads it (measured: about
2 µs a row, 2 s in a million-row import). PostgreSQL's are statement triggers, which also see
TRUNCATE. The SQL is written out here rather than imported, so that this migration keeps meaning
what it meant when later code changes.
"""

import secrets

from django.db import migrations, models

TABLES = ("registry_region", "registry_helper", "registry_household", "registry_person")
ROW = "registry_registrygeneration"


def sqlite_triggers():
    for table in TABLES:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_generation_{operation.lower()}"
            yield ((f"CREATE TRIGGER {name} AFTER {operation} ON {table} "
                   f"WHEN (SELECT clean FROM {ROW} WHERE id = 1) "
                   f"BEGIN UPDATE {ROW} SET generation = generation + 1, clean = 0 WHERE id = 1; END"),
                   f"DROP TRIGGER IF EXISTS {name}")


def postgresql_triggers():
    yield ((f"CREATE FUNCTION registry_generation_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
           f"BEGIN UPDATE {ROW} SET generation = generation + 1, clean = FALSE WHERE id = 1; RETURN NULL; END $$"),
           "DROP FUNCTION IF EXISTS registry_generation_changed()")
    for table in TABLES:
        yield ((f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_changed()"),
               f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")


def _statements(vendor):
    if vendor == "sqlite":
        return list(sqlite_triggers())
    if vendor == "postgresql":
        return list(postgresql_triggers())
    return []  # no triggers: the columnar copy is never used (lookback/snapshot_cache.py)


def create(apps, schema_editor):
    schema_editor.execute(f"INSERT INTO {ROW} (id, token, generation, clean) VALUES (1, %s, 0, %s)",
                          [secrets.token_hex(16), False])
    for create_sql, _drop in _statements(schema_editor.connection.vendor):
        schema_editor.execute(create_sql)


def drop(apps, schema_editor):
    for _create, drop_sql in reversed(_statements(schema_editor.connection.vendor)):
        schema_editor.execute(drop_sql)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='RegistryGeneration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(max_length=32)),
                ('generation', models.BigIntegerField(default=0)),
                ('clean', models.BooleanField(default=False)),
            ],
            options={
                'verbose_name': 'registry generation',
                'verbose_name_plural': 'registry generations',
            },
        ),
        migrations.RunPython(create, drop),
    ]
