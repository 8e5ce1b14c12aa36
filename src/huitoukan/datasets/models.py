"""Department dataset loads: the provenance of each stored dataset, and the web's uploads awaiting
confirmation.

A `DatasetLoad` row exists only for a dataset that was stored: its records are one Parquet file under
DATA_DIR/datasets/ (see loading/storage.py and docs/datasets.md for why not database rows). A dry
run, a file with errors or a failed load leaves no DatasetLoad and no file. The web interface keeps
its checks as `DatasetUpload` rows (like the registry's RegistryImport), which point to the load
once one is made.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .kinds import KIND_CHOICES, get_kind


class DatasetLoadQuerySet(models.QuerySet):
    def newest_first(self):
        """The order that decides which load of a kind the look-back uses: the latest as-of date,
        then the latest load of that date."""
        return self.order_by("-as_of", "-loaded_at", "-pk")

    def current(self, kind: str):
        """The load of `kind` the look-back uses, or None."""
        return self.filter(kind=kind, state=DatasetLoad.State.LOADED).newest_first().first()


class DatasetLoad(models.Model):
    """One department file, stored: where it came from and what it held (留痕)."""

    class State(models.TextChoices):
        LOADED = "loaded", pgettext_lazy("dataset load", "loaded")
        # Records deleted under a retention rule; the provenance stays on record.
        REMOVED = "removed", pgettext_lazy("dataset load", "records removed")

    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    provider = models.CharField(_("provider"), max_length=100)
    as_of = models.DateField(_("as of"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    id_missing_count = models.PositiveIntegerField(_("rows without an ID number"), default=0)
    id_invalid_count = models.PositiveIntegerField(_("invalid ID numbers"), default=0)
    # How the file was read: header row, sheet, encoding, column → header, extra headers kept,
    # warnings (capped, count exact). See loading/report.py.
    source = models.JSONField(_("how the file was read"), default=dict, blank=True)
    # The Parquet file's name inside DATA_DIR/datasets/.
    stored_file = models.CharField(max_length=255)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.LOADED)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("loaded by"),
    )
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    objects = DatasetLoadQuerySet.as_manager()

    class Meta:
        verbose_name = _("dataset load")
        verbose_name_plural = _("dataset loads")
        ordering = ("kind", "-as_of", "-loaded_at", "-pk")
        constraints = (
            # The same file loaded twice as the same kind changes nothing (loading/service.py says so).
            models.UniqueConstraint(fields=["kind", "sha256"], name="datasets_load_kind_sha256_unique"),
        )
        indexes = (models.Index(fields=["kind", "as_of", "loaded_at"], name="datasets_load_newest"),)

    def __str__(self):
        return f"{self.get_kind_display()} {self.as_of:%Y-%m-%d} · {self.file_name}"

    @property
    def kind_spec(self):
        return get_kind(self.kind)


class DatasetUpload(models.Model):
    """A file uploaded through the web: checked (a dry run that writes nothing), then loaded once
    the user confirms. Kept whatever the outcome, so that the office can say what was tried."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        CHECKED = "checked", _("checked")
        INVALID = "invalid", _("has errors")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        LOADED = "loaded", pgettext_lazy("dataset load", "loaded")
        UNCHANGED = "unchanged", _("already loaded")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    provider = models.CharField(_("provider"), max_length=100)
    as_of = models.DateField(_("as of"))
    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    progress_note = models.CharField(max_length=200, blank=True, default="")
    # What the last check or load reported: counts, errors and warnings (capped), notices, preview.
    report = models.JSONField(_("report"), default=dict, blank=True)
    load = models.ForeignKey(DatasetLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads",
                             verbose_name=_("dataset load"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("dataset upload")
        verbose_name_plural = _("dataset uploads")
        ordering = ("-created_at",)

    def __str__(self):
        return self.file_name


class Linkage(models.Model):
    """One linking of one load against the registry (issue 4, requirement 2): which registry it saw
    (the snapshot's fingerprint), the model that decided (so that a link can be explained), and the
    counts. The links themselves — one row per (record, person), up to millions — are a Parquet file
    under DATA_DIR/datasets/links/ (`stored_file`; linking.py writes it as loading/storage.py writes
    a load's). The row exists only once the file is in place."""

    class State(models.TextChoices):
        LINKED = "linked", _("linked")
        # The load's records were removed under retention: its links went with them.
        REMOVED = "removed", pgettext_lazy("dataset load", "records removed")

    load = models.ForeignKey(DatasetLoad, on_delete=models.PROTECT, related_name="linkages",
                             verbose_name=_("dataset load"))
    registry_fingerprint = models.CharField(_("registry fingerprint"), max_length=64)
    # The linkage core's JSON model (format huitoukan.linkage/1): the Splink settings with their m
    # and u, the threshold and the review band.
    model = models.JSONField(_("model"), default=dict)
    # The linking whose model this one reused (None: trained for this linking).
    model_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("model from"))
    counts = models.JSONField(_("counts"), default=dict)
    stored_file = models.CharField(max_length=255, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.LINKED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("linked by"),
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("linkage")
        verbose_name_plural = _("linkages")
        ordering = ("-created_at", "-pk")
        constraints = (
            # Linking the same load against the same registry again changes nothing.
            models.UniqueConstraint(fields=["load", "registry_fingerprint"], name="datasets_linkage_load_registry"),
        )

    def __str__(self):
        return f"{self.load} · {self.registry_fingerprint[:12]}"


class LinkReview(models.Model):
    """A candidate person for a record the linkage could not decide (match probability in the
    review band, or an ID number two people hold), and a person's decision on it. Kept per
    (load, record, person), so that a decision outlives re-linking the load."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    load = models.ForeignKey(DatasetLoad, on_delete=models.CASCADE, related_name="reviews",
                             verbose_name=_("dataset load"))
    # The linking that last proposed this candidate (a decision outlives the linking).
    linkage = models.ForeignKey(Linkage, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews",
                                verbose_name=_("linkage"))
    row_number = models.PositiveIntegerField(_("row"))
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("person"))
    match_probability = models.FloatField(_("match probability"), null=True, blank=True)
    match_weight = models.FloatField(_("match weight"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("link review")
        verbose_name_plural = _("link reviews")
        ordering = ("load", "row_number", "-match_probability", "pk")
        constraints = (
            models.UniqueConstraint(fields=["load", "row_number", "person"], name="datasets_review_candidate"),
        )

    def __str__(self):
        return f"{self.load_id}:{self.row_number} → {self.person_id} ({self.status})"


class WarningDispatch(models.Model):
    """An early-warning signal (warnings.py) sent to a town for a visit (下发), and what the visit
    found (走访核实). One row per signal, ever: `signal_key` is the signal's identity across months
    and reloads (signal_identity.py), so that a signal visited once is shown visited — not open —
    whenever it appears again. The record's displayable facts are copied in at dispatch, since the
    town works from them after the department's file has moved on; the ID number only masked (the
    key identifies the person; the county's full list is the warnings page)."""

    class Outcome(models.TextChoices):
        MONITORED = "monitored", _("brought into monitoring")
        ELIGIBLE = "eligible", _("eligible, to be brought in")
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        ALREADY_IN = "already_in", _("already in the registry, nothing to do")
        NOT_FOUND = "not_found", _("no such person found")

    signal_key = models.CharField(_("signal key"), max_length=64, unique=True)
    # The person's key alone (without the signal's kind and date): the person's earlier visits.
    person_key = models.CharField(_("person key"), max_length=64, db_index=True)
    signal = models.CharField(_("signal"), max_length=20)
    month = models.DateField(_("month"))  # the warning month it was dispatched from
    town = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    village = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("village"))
    # The town was chosen by the dispatcher: the record named none.
    town_by_hand = models.BooleanField(_("town chosen by hand"), default=False)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("person"))
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("household"))
    household_no = models.CharField(_("household number"), max_length=40, blank=True, default="")
    # The record as it was when dispatched.
    dataset = models.CharField(_("kind"), max_length=20)
    load = models.ForeignKey(DatasetLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("dataset load"))
    row_number = models.PositiveIntegerField(_("row"))
    records = models.PositiveIntegerField(_("records"), default=1)
    link = models.CharField(_("link"), max_length=20, blank=True, default="")
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=40, blank=True, default="")
    address = models.CharField(_("address"), max_length=255, blank=True, default="")
    event_date = models.DateField(_("date"), null=True, blank=True)
    category = models.CharField(_("record category"), max_length=100, blank=True, default="")
    grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    self_paid = models.DecimalField(_("self-paid"), max_digits=14, decimal_places=2, null=True, blank=True)

    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("dispatched by"))
    dispatched_at = models.DateTimeField(_("dispatched at"))
    due_on = models.DateField(_("visit due"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    visit_note = models.TextField(_("visit note"), blank=True, default="")
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("visit recorded by"))
    visited_at = models.DateTimeField(_("visit recorded at"), null=True, blank=True)
    # Visits the county returned for another visit (退回重访), oldest first: what each found, who
    # recorded it, who returned it, when and why. A returned visit is kept here, never written over.
    returned_visits = models.JSONField(_("returned visits"), default=list, blank=True)

    class Meta:
        verbose_name = _("warning dispatch")
        verbose_name_plural = _("warning dispatches")
        ordering = ("-dispatched_at", "pk")
        indexes = (models.Index(fields=["town", "visited_on"], name="datasets_dispatch_town"),)

    def __str__(self):
        return f"{self.signal} · {self.name} → {self.town_id}"
