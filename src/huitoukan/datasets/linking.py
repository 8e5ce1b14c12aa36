"""Linking a stored load to the registry, keeping the links, and the review queue's decisions.

    link_load(load, user=None, snapshot=None, retrain=False) -> Linkage
    linked_table(load) -> pa.Table                 the load's records with person_id and link
    current_linked_tables(kinds=None, snapshot=None) -> {kind: pa.Table}   what the look-back reads
    decide(review, user, accept, note="") -> LinkReview

The linkage core (linkage/) is Django-free; this module feeds it the registry snapshot and a load's
records, stores what it returns (a Linkage row, the links as Parquet, the review candidates as
LinkReview rows) and applies people's decisions. docs/linkage.md, "Stored links and the review
queue", says why each thing lives where it does.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .linkage import link
from .loading import storage
from .models import DatasetLoad, Linkage, LinkReview
from .tables import current_loads, load_table

LINKED = Linkage.State.LINKED
Status = LinkReview.Status
#: The record columns the linkage reads, where the kind has them.
RECORD_COLUMNS = ("row_number", "id_number", "name", "birth_date", "sex", "address")
#: The columns linked_table adds to a load's records.
LINK_COLUMNS = pa.schema([("person_id", pa.int64()), ("link", pa.string())])


class LinkingError(Exception):
    """Linking cannot run (an empty registry, a load without records)."""


class NotLinked(LinkingError):
    """A load that has not been linked yet."""


# --- the registry side -------------------------------------------------------------------------

def registry_people(snapshot) -> pa.Table:
    """The snapshot's people in the linkage's people schema: town and village as names (a
    department's address names places, never codes); sex '' as null. Birth dates come from the ID
    numbers inside the linkage (features.py), as the look-back's prepare() would derive them."""
    person, household, region = (snapshot.tables[n] for n in ("person", "household", "region"))
    names = dict(zip(region["code"].to_pylist(), region["name"].to_pylist()))
    place = {}
    for hid, town, village in zip(household["household_id"].to_pylist(), household["town_code"].to_pylist(),
                                  household["village_code"].to_pylist()):
        place[hid] = (names.get(town), names.get(village))
    households = person["household_id"].to_pylist()
    sex = person["sex"]
    return pa.table({
        "person_id": person["person_id"],
        "id_number": person["id_number"],
        "name": person["name"],
        "sex": pc.if_else(pc.equal(sex, ""), pa.scalar(None, pa.string()), sex),
        "town": pa.array([place.get(h, (None, None))[0] for h in households], pa.string()),
        "village": pa.array([place.get(h, (None, None))[1] for h in households], pa.string()),
    })


def _snapshot(snapshot=None):
    if snapshot is not None:
        return snapshot
    from huitoukan.lookback.snapshot import take_snapshot

    return take_snapshot()


# --- linking -----------------------------------------------------------------------------------

def links_dir() -> Path:
    path = storage.datasets_dir() / "links"
    path.mkdir(parents=True, exist_ok=True)
    return path


def links_path(linkage: Linkage) -> Path:
    return links_dir() / linkage.stored_file


def latest_linkage(load: DatasetLoad) -> Linkage | None:
    return load.linkages.filter(state=LINKED).order_by("-created_at", "-pk").first()


def model_to_reuse(kind: str) -> Linkage | None:
    """The latest linking of the same kind: its model links the next load, so that the
    probabilities a reviewer weighs mean the same from one load to the next (a model trained anew on
    each file would move the review band under them). `retrain=True` trains anew."""
    return Linkage.objects.filter(load__kind=kind, state=LINKED).exclude(model={}) \
        .order_by("-created_at", "-pk").first()


def link_load(load: DatasetLoad, user=None, *, snapshot=None, retrain: bool = False,
              engine: str = "duckdb") -> Linkage:
    """Link `load` to the registry (the whole registry: a department's file covers the county).
    Linking the same load against an unchanged registry returns the existing Linkage. `engine` is
    where Splink scores the pairs ('duckdb' in process, 'spark' on the look-back's Spark session):
    the same model and the same links either way (docs/linkage.md), so a Linkage does not depend
    on it and is not made again for another engine."""
    snapshot = _snapshot(snapshot)
    existing = load.linkages.filter(registry_fingerprint=snapshot.fingerprint, state=LINKED).first()
    if existing is not None and existing.stored_file and links_path(existing).exists():
        return existing
    people = registry_people(snapshot)
    if people.num_rows == 0:
        raise LinkingError(_("The registry is empty: import it before linking department datasets."))
    records = load_table(load, columns=[c for c in RECORD_COLUMNS if c in _kind_columns(load.kind)])
    reuse = None if retrain else model_to_reuse(load.kind)
    result = link(people, records, model=reuse.model if reuse else None, engine=engine)
    links = result.links
    temp = links_dir() / f"{storage.TEMP_PREFIX}{uuid.uuid4().hex}.parquet"
    final: Path | None = None
    try:
        pq.write_table(links, temp, compression="zstd", row_group_size=storage.ROW_GROUP_ROWS)
        with transaction.atomic():
            if existing is None:
                linkage = Linkage.objects.create(
                    load=load, registry_fingerprint=snapshot.fingerprint, model=result.model,
                    model_from=(Linkage.objects.filter(pk=reuse.model_from_id).first() or reuse) if reuse else None,
                    counts=result.counts, created_by=user if getattr(user, "pk", None) else None)
            else:  # its row survived but its file did not: write it again
                linkage = existing
                linkage.model, linkage.counts = result.model, result.counts
            linkage.stored_file = f"{linkage.pk:06d}-load{load.pk}-{snapshot.fingerprint[:16]}.parquet"
            linkage.save()
            _sync_reviews(load, linkage, links)
            final = links_dir() / linkage.stored_file
            os.replace(temp, final)  # last: nothing after it can fail but the commit
    except IntegrityError:
        _remove(temp, final)
        # Another process linked the same load against the same registry first.
        other = load.linkages.filter(registry_fingerprint=snapshot.fingerprint, state=LINKED).first()
        if other is None:
            raise
        return other
    except BaseException:
        _remove(temp, final)
        raise
    return linkage


def _kind_columns(kind: str) -> set[str]:
    from .kinds import table_schema

    return set(table_schema(kind).names)


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def _sync_reviews(load: DatasetLoad, linkage: Linkage, links: pa.Table) -> None:
    """Make the load's review queue what this linking proposes, keeping every decision: a candidate
    already decided stays as decided; a pending one is updated or, when no longer proposed (the
    record now links, or the registry changed), dropped; a record with an accepted candidate gets
    no new ones (a person settled it)."""
    review = links.filter(pc.equal(links["link"], "review"))
    proposed = {(r["row_number"], r["person_id"]): r for r in review.to_pylist()}
    existing = {(r.row_number, r.person_id): r for r in LinkReview.objects.filter(load=load)}
    settled = {key[0] for key, r in existing.items() if r.status == Status.ACCEPTED}
    stale = [r.pk for key, r in existing.items() if r.status == Status.PENDING and key not in proposed]
    LinkReview.objects.filter(pk__in=stale).delete()
    update, create = [], []
    for key, row in proposed.items():
        found = existing.get(key)
        if found is not None:
            if found.status == Status.PENDING:
                found.linkage = linkage
                found.match_probability, found.match_weight = row["match_probability"], row["match_weight"]
                found.reason = row["reason"] or ""
                update.append(found)
        elif key[0] not in settled:
            create.append(LinkReview(load=load, linkage=linkage, row_number=key[0], person_id=key[1],
                                     match_probability=row["match_probability"], match_weight=row["match_weight"],
                                     reason=row["reason"] or ""))
    LinkReview.objects.bulk_update(update, ["linkage", "match_probability", "match_weight", "reason"],
                                   batch_size=1000)
    LinkReview.objects.bulk_create(create, batch_size=1000)


# --- reading -----------------------------------------------------------------------------------

def linked_table(load: DatasetLoad, linkage: Linkage | None = None) -> pa.Table:
    """The load's records (tables.load_table's schema) with `person_id` (int64) and `link`:
    'exact' | 'probabilistic' from the stored links, 'reviewed' for an accepted review candidate,
    'pending' (person_id null) for a record whose candidate waits for review, null for a record
    linked to nobody (a pending or rejected candidate links nobody). A person's
    decision wins over the model: an accepted candidate replaces the model's link, a rejected one
    removes it."""
    linkage = linkage or latest_linkage(load)
    if linkage is None:
        raise NotLinked(f"load {load.pk} ({load.kind}) has not been linked")
    path = links_path(linkage)
    if not linkage.stored_file or not path.exists():
        raise NotLinked(f"load {load.pk} ({load.kind}): the links file {path} is missing")
    links = pq.read_table(path, columns=["row_number", "person_id", "link"])
    firm = links.filter(pc.is_in(links["link"], pa.array(["exact", "probabilistic"])))
    decided = list(LinkReview.objects.filter(load=load).exclude(status=Status.PENDING)
                   .values_list("row_number", "person_id", "status"))
    accepted = [(r, p) for r, p, s in decided if s == Status.ACCEPTED]
    rejected = [(r, p) for r, p, s in decided if s == Status.REJECTED]
    if accepted:
        firm = firm.filter(pc.invert(pc.is_in(firm["row_number"], pa.array([r for r, _p in accepted], pa.int64()))))
    if rejected:
        pairs = pa.table({"row_number": pa.array([r for r, _p in rejected], pa.int64()),
                          "person_id": pa.array([p for _r, p in rejected], pa.int64())})
        firm = firm.join(pairs, ["row_number", "person_id"], join_type="left anti")
    reviewed = pa.table({"row_number": pa.array([r for r, _p in accepted], pa.int64()),
                         "person_id": pa.array([p for _r, p in accepted], pa.int64()),
                         "link": pa.array(["reviewed"] * len(accepted), pa.string())})
    # A record whose candidate still waits for a person links nobody, but says so ('pending'): it may
    # be a registry member's, so it must not be taken for an outsider's either (ENTRY_MISSED).
    linked_rows = pa.concat_arrays([firm["row_number"].combine_chunks(), reviewed["row_number"].combine_chunks()])
    waiting = sorted(set(LinkReview.objects.filter(load=load, status=Status.PENDING)
                         .values_list("row_number", flat=True)) - set(linked_rows.to_pylist()))
    pending = pa.table({"row_number": pa.array(waiting, pa.int64()),
                        "person_id": pa.array([None] * len(waiting), pa.int64()),
                        "link": pa.array(["pending"] * len(waiting), pa.string())})
    assigned = pa.concat_tables([firm.select(["row_number", "person_id", "link"]), reviewed, pending])
    records = load_table(load)
    at = pc.index_in(records["row_number"], value_set=assigned["row_number"])
    records = records.append_column(LINK_COLUMNS.field("person_id"), pc.take(assigned["person_id"], at))
    records = records.append_column(LINK_COLUMNS.field("link"), pc.take(assigned["link"], at))
    metadata = dict(records.schema.metadata or {})
    metadata.update({b"huitoukan.linkage_id": str(linkage.pk).encode(),
                     b"huitoukan.registry_fingerprint": linkage.registry_fingerprint.encode()})
    return records.replace_schema_metadata(metadata)


def current_linked_tables(kinds: Iterable[str] | None = None, *, snapshot=None, user=None,
                          engine: str = "duckdb") -> dict[str, pa.Table]:
    """{kind: linked_table} of the load of each kind the look-back uses, each linked against the
    registry as it is now (`snapshot`, or one taken here): a load with no Linkage for this
    registry's fingerprint is linked first, on `engine` (the look-back run's own engine)."""
    loads = current_loads(kinds)
    if not loads:
        return {}
    snapshot = _snapshot(snapshot)
    return {kind: linked_table(load, link_load(load, user, snapshot=snapshot, engine=engine))
            for kind, load in loads.items()}


# --- decisions ---------------------------------------------------------------------------------

def decide(review: LinkReview, user, *, accept: bool, note: str = "") -> LinkReview:
    """Accept or reject a candidate, recording who and when. Accepting one rejects the record's
    other candidates (one record is one person). A decision may be changed by deciding again."""
    now = timezone.now()
    with transaction.atomic():
        review = LinkReview.objects.select_for_update().get(pk=review.pk)
        review.status = Status.ACCEPTED if accept else Status.REJECTED
        review.decided_by, review.decided_at, review.note = user, now, note.strip()
        review.save(update_fields=["status", "decided_by", "decided_at", "note"])
        if accept:
            LinkReview.objects.filter(load_id=review.load_id, row_number=review.row_number) \
                .exclude(pk=review.pk).exclude(status=Status.REJECTED) \
                .update(status=Status.REJECTED, decided_by=user, decided_at=now)
    return review
