"""The problems API: the ledger listed and read, the workflow's steps, assignment, evidence.

The same rules as the pages and the registry API (registry/api.py), and the same core:
- every problem is fetched through `queries.scoped_problems` first, so that one outside the caller's
  regions is 404 (as one that does not exist), before the workflow is asked anything;
- steps and assignment are `workflow.take_step` and `assignment.assign`: the API decides nothing
  about who may do what, it turns their refusals into HTTP (a refusal of the user → 403, of the
  request → 400, both as `{"detail": message}`);
- ID numbers in a problem's person, description, sources and history are masked by the functions
  the pages use (`IdNumberField`, `queries.shown_text`).
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Capability, can
from huitoukan.registry.api import IdNumberField, Pagination, _choice_param, display
from huitoukan.registry.models import Region

from . import assignment, evidence, queries, workflow
from .choices import Action, Category, Severity, Source, Status, TargetType
from .models import Evidence, Problem, ProblemEvent, ProblemSource

#: The most problems one assignment request may name (a county's whole backlog goes in a few).
MAX_ASSIGNED = 1000


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


def _id_number(problem: Problem) -> str:
    return problem.person.id_number if problem.person_id else ""


def _shown(field, text: str) -> str:
    """Free text about a problem (description, a note, an inspection's words) as the caller may
    read it: the problem's person's ID number, and anything shaped like one, masked for roles that
    see masked numbers."""
    problem = field.context.get("problem")
    return queries.shown_text(_user(field), text, problem.values if problem else None,
                              _id_number(problem) if problem else "")


def _shown_json(field, value):
    if isinstance(value, str):
        return _shown(field, value)
    if isinstance(value, dict):
        return {key: _shown_json(field, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown_json(field, item) for item in value]
    return value


@extend_schema_field({"type": "string", "description": "Free text; ID numbers in it are masked (first 6 and "
                                                       "last 4 characters) unless the caller's role may see "
                                                       "full ID numbers."})
class ShownTextField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return _shown(self, super().to_representation(value))


class NamedEnumField(serializers.ChoiceField):
    """A choice field whose values are one named enum in the schema (`ProblemStatus`…). Left to
    itself drf-spectacular names an enum after its field and warns, failing the schema check, that
    `status` is also the household's status and that a problem's status goes by several names
    (status, from_status, to_status)."""

    def __init__(self, enum_name: str, choices, **kwargs):
        self.enum_name = enum_name
        if "read_only" not in kwargs and "required" not in kwargs:
            kwargs["read_only"] = True
        super().__init__(choices=choices, **kwargs)


class NamedEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedEnumField

    def get_name(self):
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": list(self.target.choices)}


# ---------------------------------------------------------------------------------------------
# Output serializers


class BriefRegionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class BriefHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    household_no = serializers.CharField(read_only=True)
    head_name = serializers.CharField(read_only=True)


class BriefPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    id_number = IdNumberField()


class BriefUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return workflow.actor_name(user)


class ProblemSerializer(serializers.ModelSerializer):
    """A problem of the ledger (问题台账). `description` and `person.id_number` are masked unless the
    caller's role may see full ID numbers."""

    number = serializers.CharField(read_only=True)
    category = NamedEnumField("ProblemCategoryEnum", Category.choices)
    severity = NamedEnumField("ProblemSeverityEnum", Severity.choices)
    status = NamedEnumField("ProblemStatusEnum", Status.choices)
    target_type = NamedEnumField("ProblemTargetTypeEnum", TargetType.choices)
    category_display = display("category")
    severity_display = display("severity")
    status_display = display("status")
    target_type_display = display("target_type")
    description = serializers.SerializerMethodField()
    household = serializers.SerializerMethodField()
    person = BriefPersonSerializer(read_only=True, allow_null=True)
    county = BriefRegionSerializer(read_only=True, allow_null=True)
    town = BriefRegionSerializer(read_only=True, allow_null=True)
    village = BriefRegionSerializer(read_only=True, allow_null=True)
    responsible_person = BriefUserSerializer(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = (
            "id", "number", "code", "category", "category_display", "severity", "severity_display", "title",
            "description", "status", "status_display", "target_type", "target_type_display", "target_key",
            "household", "person", "county", "town", "village", "responsible_unit", "responsible_person",
            "deadline", "overdue", "recurring", "recurrence_count", "first_found_at", "last_found_at",
            "still_found", "fixed_at", "closed_at",
        )
        read_only_fields = fields

    @extend_schema_field({"type": "string", "description": "The latest finding's message; ID numbers in it are "
                                                           "masked unless the caller's role may see them."})
    def get_description(self, problem) -> str:
        return queries.shown_text(_user(self), problem.description, problem.values, _id_number(problem))

    @extend_schema_field(BriefHouseholdSerializer(allow_null=True))
    def get_household(self, problem):
        # A person's problem names the person's household, as the pages do.
        household = problem.household or (problem.person.household if problem.person_id else None)
        return BriefHouseholdSerializer(household).data if household else None

    def get_overdue(self, problem) -> bool:
        return assignment.is_overdue(problem)


class SourceSerializer(serializers.ModelSerializer):
    source = NamedEnumField("ProblemSourceEnum", Source.choices)
    source_display = display("source")
    description = ShownTextField()
    run = serializers.IntegerField(source="run_id", read_only=True, allow_null=True)

    class Meta:
        model = ProblemSource
        fields = ("source", "source_display", "round", "found_on", "description", "run")
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    """One step of a problem's history: who, when, from which status to which, why, with which
    evidence (ids, see the problem's `evidence`)."""

    action = NamedEnumField("ProblemActionEnum", Action.choices)
    action_display = display("action")
    from_status = NamedEnumField("ProblemStatusEnum", Status.choices)
    to_status = NamedEnumField("ProblemStatusEnum", Status.choices)
    note = ShownTextField()
    details = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ProblemEvent
        fields = ("id", "action", "action_display", "from_status", "to_status", "note", "details", "actor_name",
                  "at", "evidence")
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True,
                          "description": "What else the step set or came from (assignment before/after, the "
                                         "source that found a closed problem again…)."})
    def get_details(self, event):
        return _shown_json(self, event.details or {})

    def get_evidence(self, event) -> list[int]:
        return [item.pk for item in event.evidence.all()]


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    event = serializers.IntegerField(source="event_id", read_only=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = ("id", "event", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at",
                  "download_url")
        read_only_fields = fields

    def get_uploaded_by(self, item) -> str:
        return workflow.actor_name(item.uploaded_by) if item.uploaded_by_id else ""

    def get_download_url(self, item) -> str:
        url = reverse("evidence-download", kwargs={"pk": item.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AllowedStepSerializer(serializers.Serializer):
    action = NamedEnumField("ProblemActionEnum", Action.choices)
    label = serializers.CharField(read_only=True)
    note_required = serializers.BooleanField(read_only=True)
    evidence_required = serializers.BooleanField(read_only=True)
    takes_files = serializers.BooleanField(read_only=True)


class ProblemDetailSerializer(ProblemSerializer):
    """A problem with its sources, its history, its evidence and the steps the caller may take now."""

    sources = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    allowed_steps = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = (*ProblemSerializer.Meta.fields, "sources", "events", "evidence", "allowed_steps")
        read_only_fields = fields

    def _nested(self, serializer_class, rows, problem):
        return serializer_class(rows, many=True, context=self.context | {"problem": problem}).data

    @extend_schema_field(SourceSerializer(many=True))
    def get_sources(self, problem):
        return self._nested(SourceSerializer, problem.sources.order_by("created_at", "pk"), problem)

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, problem):
        return self._nested(EventSerializer, problem.events.prefetch_related("evidence"), problem)

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, problem):
        return self._nested(EvidenceSerializer, problem.evidence.select_related("uploaded_by"), problem)

    @extend_schema_field(AllowedStepSerializer(many=True))
    def get_allowed_steps(self, problem):
        return AllowedStepSerializer(workflow.allowed_steps(problem, _user(self)), many=True).data


# ---------------------------------------------------------------------------------------------
# Request serializers (used to read the body and to describe it in the schema)


@extend_schema_field({"type": "string", "format": "binary"})
class EvidenceFileField(serializers.FileField):
    """An uploaded file, typed as binary in the schema whatever COMPONENT_SPLIT_REQUEST says. Whether
    it can be evidence (type by content, size) is `evidence.check`'s to say, through the workflow."""

    def __init__(self, **kwargs):
        super().__init__(allow_empty_file=True, use_url=False, **kwargs)


STEP_ACTIONS = [(step.action, step.label) for step in workflow.STEPS.values()]


class StepSerializer(serializers.Serializer):
    action = NamedEnumField("StepActionEnum", STEP_ACTIONS, required=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000,
                                 help_text="The explanation; required for progress, report fixed and a "
                                           "failed verification.")


class StepUploadSerializer(StepSerializer):
    files = serializers.ListField(
        child=EvidenceFileField(), required=False, default=list,
        help_text="Evidence files (repeat the field for several): JPG, PNG, WebP, PDF, Word, Excel, PowerPoint.",
    )


class EvidenceUploadSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="What the files show (recorded as a progress report).")
    files = serializers.ListField(
        child=EvidenceFileField(), allow_empty=False,
        help_text="Evidence files (repeat the field for several): JPG, PNG, WebP, PDF, Word, Excel, PowerPoint.",
    )


class AssignSerializer(serializers.Serializer):
    problems = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                     max_length=MAX_ASSIGNED, help_text="Problem ids.")
    responsible_unit = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100,
                                             help_text="Absent or null: left as it is.")
    responsible_person = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                  help_text="A user id; absent or null: left as it is.")
    deadline = serializers.DateField(required=False, allow_null=True,
                                     help_text="Absent or null: left as it is, or the severity's default "
                                               "for a problem that has none.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class AssignedSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    skipped_closed = serializers.IntegerField(help_text="Closed problems among those named, left as they are.")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {
    400: OpenApiResponse(DetailSerializer, description="The request cannot be taken as it is (the wrong status "
                                                       "for this step, a missing explanation or evidence, a file "
                                                       "that cannot be evidence). Malformed fields answer "
                                                       "`{field: [messages]}` instead."),
    403: OpenApiResponse(DetailSerializer, description="The caller's role may not do this (or not to a fix they "
                                                       "reported themselves)."),
    404: OpenApiResponse(DetailSerializer, description="No such problem in the caller's regions."),
}


# ---------------------------------------------------------------------------------------------
# Permissions and filters


class CanViewProblems(permissions.BasePermission):
    message = gettext_lazy("Your role may not read the problem ledger.")

    def has_permission(self, request, view):
        return can(request.user, Capability.VIEW_PROBLEMS)


def _region_filter(request, name: str, level: str) -> int | None:
    """`town`/`village`/`county`: a region code or an id, as the registry API's `region`. An unknown
    one (or one of another level) filters to nothing, the answer an out-of-scope one gets."""
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    region = Region.objects.filter(code=value, level=level).only("id").first()
    if region is None and value.isdigit():
        region = Region.objects.filter(pk=int(value), level=level).only("id").first()
    return region.pk if region else 0


def _bool_param(request, name: str) -> bool | None:
    value = request.query_params.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationError({name: [_("Expected true or false.")]})


def _date_param(request, name: str) -> datetime.date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: [_("Expected a date as YYYY-MM-DD.")]}) from None


def _refused(error: workflow.StepRefused) -> Response:
    return Response({"detail": error.message},
                    status=status.HTTP_403_FORBIDDEN if error.permission else status.HTTP_400_BAD_REQUEST)


def _enum(name: str, choices, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, enum=list(choices.values), description=description)


def _flag(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.BOOL, description=description)


LIST_PARAMETERS = [
    OpenApiParameter("code", OpenApiTypes.STR, description="A problem code (rule code), e.g. ID_INVALID."),
    _enum("category", Category),
    _enum("severity", Severity),
    _enum("status", Status),
    _enum("source", Source, "Problems this source found (among others)."),
    OpenApiParameter("county", OpenApiTypes.STR, description="A county: its region code or its id."),
    OpenApiParameter("town", OpenApiTypes.STR, description="A town: its region code or its id."),
    OpenApiParameter("village", OpenApiTypes.STR, description="A village: its region code or its id."),
    _flag("overdue", "Past the deadline and still being worked (open or in progress)."),
    _flag("recurring", "Closed once and found again (屡改屡犯)."),
    _flag("assigned_to_me", "The caller is the responsible person."),
    OpenApiParameter("deadline_before", OpenApiTypes.DATE, description="Deadline on or before this date."),
    OpenApiParameter("search", OpenApiTypes.STR,
                     description="A problem number (WT0000123), or the beginning of a household number or of "
                                 "a head of household's name."),
]


# ---------------------------------------------------------------------------------------------
# Viewsets


class ProblemsAPIView(viewsets.GenericViewSet):
    # Token first, as in registry/api.py: a bad token must answer 401, not 403.
    authentication_classes = (TokenAuthentication, SessionAuthentication)
    permission_classes = (permissions.IsAuthenticated, CanViewProblems)


@extend_schema_view(
    list=extend_schema(summary="Problems in the caller's scope", parameters=LIST_PARAMETERS),
    retrieve=extend_schema(summary="One problem with its sources, history, evidence and the caller's steps",
                           responses={200: ProblemDetailSerializer, 404: ERRORS[404]}),
)
class ProblemViewSet(viewsets.ReadOnlyModelViewSet, ProblemsAPIView):
    queryset = Problem.objects.none()
    pagination_class = Pagination
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        return ProblemDetailSerializer if self.action == "retrieve" else ProblemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return self.queryset
        user = self.request.user
        related = ("county", "town", "village", "household", "person__household", "responsible_person")
        if self.action != "list":
            return queries.scoped_problems(user).select_related(*related)
        return self._filtered(user).select_related(*related)

    def _filtered(self, user):
        request = self.request
        params = request.query_params
        filters = {"code": params.get("code", "").strip(), "q": params.get("search", "").strip()}
        for name, choices in (("category", Category), ("severity", Severity), ("status", Status),
                              ("source", Source)):
            filters[name] = _choice_param(request, name, choices)
        for name in ("county", "town", "village"):
            region = _region_filter(request, name, name)
            if region is not None:
                filters[name] = region if region else -1  # problems_for_list skips a falsy id
        qs = queries.problems_for_list(user, filters)
        if (overdue := _bool_param(request, "overdue")) is not None:
            qs = qs.filter(assignment.overdue_q()) if overdue else qs.exclude(assignment.overdue_q())
        if (recurring := _bool_param(request, "recurring")) is not None:
            qs = qs.filter(recurring=recurring)
        if (mine := _bool_param(request, "assigned_to_me")) is not None:
            qs = qs.filter(responsible_person=user) if mine else qs.exclude(Q(responsible_person=user))
        if (before := _date_param(request, "deadline_before")) is not None:
            qs = qs.filter(deadline__lte=before)
        return qs

    def _take(self, request, problem, action_name, note, files):
        try:
            event = workflow.take_step(problem, request.user, action_name, note=note, files=files)
        except workflow.StepRefused as refused:
            return _refused(refused)
        problem.refresh_from_db()
        data = EventSerializer(event, context=self.get_serializer_context() | {"problem": problem}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a workflow step",
        description="Start, report progress, report fixed (explanation and evidence needed), verify and close, "
                    "or return a fix (verification failed, with a reason). Send JSON for a step without files, "
                    "multipart/form-data with one or more `files` fields for evidence. The problem's "
                    "`allowed_steps` lists what the caller may take now.",
        request={"multipart/form-data": StepUploadSerializer, "application/json": StepSerializer},
        responses={201: EventSerializer, **ERRORS},
        examples=[OpenApiExample("Verify", value={"action": "verified", "note": "核实已整改到位"},
                                 request_only=True, media_type="application/json")],
    )
    @action(detail=True, methods=["post"], url_path="steps", parser_classes=[MultiPartParser, FormParser, JSONParser])
    def steps(self, request, pk=None):
        problem = self.get_object()  # through the scope first: out of scope is 404, whatever the step
        body = StepUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._take(request, problem, body.validated_data["action"], body.validated_data["note"],
                          body.validated_data["files"])

    @extend_schema(
        summary="Upload evidence",
        description="Evidence files with what they show. Every upload is a recorded step: this is a progress "
                    "report (action `progress`) with files, allowed to the roles that rectify while the problem is "
                    "open or in progress. A later report of fixed may rely on these files.",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EventSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="evidence", parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        problem = self.get_object()
        body = EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._take(request, problem, Action.PROGRESS, body.validated_data["note"],
                          body.validated_data["files"])

    @extend_schema(
        summary="Assign problems in bulk",
        description="Set the responsible unit, responsible person and deadline of several problems (county "
                    "administrators). A problem without a deadline gets its severity's default. Closed problems "
                    "are skipped. Any id outside the caller's regions (or unknown) refuses the whole request "
                    "with 404, without saying which.",
        request=AssignSerializer,
        responses={200: AssignedSerializer, **ERRORS},
        examples=[OpenApiExample("Assign", request_only=True, value={
            "problems": [12, 13], "responsible_unit": "石门镇人民政府", "responsible_person": 7,
            "deadline": "2026-06-30", "note": "请按期整改"})],
    )
    @action(detail=False, methods=["post"], url_path="assign", parser_classes=[JSONParser])
    def assign(self, request):
        user = request.user
        if not can(user, Capability.ASSIGN_PROBLEMS):  # before looking at any id
            return Response({"detail": _("Your role may not assign problems.")}, status=status.HTTP_403_FORBIDDEN)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ids = set(data["problems"])
        # The core's refusal names the problems outside the caller's regions; here an unknown id and
        # one of another county get the same answer, which names none of them.
        if queries.scoped_problems(user).filter(pk__in=ids).count() != len(ids):
            raise NotFound
        person = None
        if data.get("responsible_person") is not None:
            person = User.objects.filter(pk=data["responsible_person"], is_active=True).first()
            if person is None:
                raise ValidationError({"responsible_person": [_("No active user with this id.")]})
        try:
            result = assignment.assign(sorted(ids), user, unit=data.get("responsible_unit"), person=person,
                                       deadline=data.get("deadline"), note=data["note"])
        except workflow.StepRefused as refused:
            return _refused(refused)
        return Response(AssignedSerializer(result).data)


class IgnoreAcceptHeader(BaseContentNegotiation):
    """A file download answers with the file's own type, whatever the client accepts (an <img> asks for
    image/*, which DRF's JSON renderer would refuse with 406)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EvidenceViewSet(ProblemsAPIView):
    queryset = Evidence.objects.none()
    lookup_value_regex = r"\d+"
    content_negotiation_class = IgnoreAcceptHeader

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Evidence.objects.filter(queries.problem_scope_q(self.request.user, "problem__"))

    @extend_schema(
        summary="Download an evidence file",
        description="The file, if its problem is in the caller's regions (404 otherwise). Images and PDF are "
                    "sent inline, other files as attachments. Each download is logged.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None):
        item = self.get_object()
        kind = evidence.KINDS.get(evidence.extension(item.original_name))
        inline = bool(kind and kind.inline)
        try:
            handle = item.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("The file of this evidence is missing on the server.")) from None
        response = FileResponse(handle, as_attachment=not inline, filename=item.original_name,
                                content_type=item.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        log_export(request.user, "rectification.evidence",
                   filters={"evidence": item.pk, "problem": item.problem_id}, row_count=1,
                   file_format=evidence.extension(item.original_name) or "bin", request=request)
        return response
