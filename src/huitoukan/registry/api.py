"""The read API for regions, households and people (Django REST framework).

Same rules as the pages: every queryset starts from `accounts.scope`, so an object outside the
caller's regions is simply not there (404, never 403, so that its existence does not leak), and the
sensitive fields are masked by the same functions the templates use (`accounts.masking`), through
the two field classes below and nowhere else.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from huitoukan.accounts.masking import health_for, id_number_for
from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import scoped_households, scoped_people, scoped_regions

from .choices import HouseholdStatus, HouseholdType, MainCause, RegionLevel
from .models import AssistingUnit, Helper, Household, Person, Region

# ---------------------------------------------------------------------------------------------
# Masked fields. Typed as plain strings in the schema: a masked value ("***", "430524********1234")
# is not a member of any enum, and the schema must not promise otherwise.


def _user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(
    {"type": "string", "description": "Citizen ID number; masked (first 6 and last 4 characters) "
                                      "unless the caller's role may see full ID numbers."}
)
class IdNumberField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return id_number_for(_user(self), super().to_representation(value))


@extend_schema_field(
    {"type": "string", "description": "Health or disability data; \"***\" unless the caller's role "
                                      "may see health data."}
)
class HealthField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return health_for(_user(self), super().to_representation(value))


def display(field_name: str) -> serializers.CharField:
    """The translated label of an enum field, next to its identifier."""
    return serializers.CharField(source=f"get_{field_name}_display", read_only=True)


# ---------------------------------------------------------------------------------------------
# Serializers


# Every model field read-only, but keeping what the model says about blank and null: DRF's
# `read_only_fields` drops `allow_blank`, and the schema would then promise that an enum field is
# never "" when an unknown cause or sex is stored as "". (A comment, not a docstring: drf-spectacular
# would copy a docstring into every subclass's schema description.)
class ReadSerializer(serializers.ModelSerializer):

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Input constraints mean nothing on output (max_digits and decimal_places stay: they
        # shape how a decimal is rendered).
        for key in ("required", "default", "validators", "max_length", "min_length", "min_value", "max_value"):
            kwargs.pop(key, None)
        kwargs["read_only"] = True
        return field_class, kwargs

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        kwargs.pop("queryset", None)
        kwargs.pop("required", None)
        kwargs["read_only"] = True
        return field_class, kwargs


class RegionSerializer(ReadSerializer):
    """A county, town, village or hamlet."""

    level_display = display("level")

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_display", "parent", "is_poor_village"]


class RegionBriefSerializer(ReadSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class AssistingUnitSerializer(ReadSerializer):
    class Meta:
        model = AssistingUnit
        fields = ["id", "name"]


class HelperSerializer(ReadSerializer):
    unit = AssistingUnitSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Helper
        fields = ["id", "name", "phone", "unit"]


# Fields of a person, shared by the people endpoint and the members nested in a household.
# `source_key` is deliberately absent: it may contain the ID number unmasked.
PERSON_FIELDS = [
    "id", "person_no", "name", "id_number", "sex", "sex_display", "relation", "relation_display",
    "ethnicity", "education_level", "schooling", "schooling_display", "health", "health_display",
    "disability_grade", "labor", "labor_display", "migrant_months", "medical_insured", "deceased", "phone",
]


class MemberSerializer(ReadSerializer):
    """A household member. `id_number`, `health`, `health_display` and `disability_grade` are masked
    unless the caller's role may see them."""

    id_number = IdNumberField()
    sex_display = display("sex")
    relation_display = display("relation")
    schooling_display = display("schooling")
    health = HealthField()
    health_display = HealthField(source="get_health_display")
    disability_grade = HealthField()
    labor_display = display("labor")

    class Meta:
        model = Person
        fields = PERSON_FIELDS


class PersonSerializer(MemberSerializer):
    """A person, with the household and village they belong to. `id_number`, `health`,
    `health_display` and `disability_grade` are masked unless the caller's role may see them."""

    household_no = serializers.CharField(source="household.household_no", read_only=True)
    village = RegionBriefSerializer(source="household.village", read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = PERSON_FIELDS[:1] + ["household", "household_no", "village"] + PERSON_FIELDS[1:]


class HouseholdSerializer(ReadSerializer):
    """A registry household (建档立卡户)."""

    county = RegionBriefSerializer(read_only=True)
    town = RegionBriefSerializer(read_only=True)
    village = RegionBriefSerializer(read_only=True)
    hamlet = RegionBriefSerializer(read_only=True, allow_null=True)
    helper = HelperSerializer(read_only=True, allow_null=True)
    household_type_display = display("household_type")
    status_display = display("status")
    main_cause_display = display("main_cause")

    class Meta:
        model = Household
        fields = [
            "id", "household_no", "county", "town", "village", "hamlet", "head_name", "household_size",
            "household_type", "household_type_display", "status", "status_display",
            "identified_year", "exit_year", "main_cause", "main_cause_display",
            "food_clothing", "water_safe", "house_rating", "house_renovated",
            "wage", "business", "business_expense", "property", "transfer", "net_income", "per_capita_income",
            "helper", "phone", "updated_at",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    """A registry household with its members."""

    members = MemberSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members"]


# ---------------------------------------------------------------------------------------------
# Permissions and filters


class CanViewRegistry(permissions.BasePermission):
    message = _("Your role may not read the registry.")

    def has_permission(self, request, view):
        return can(request.user, Capability.VIEW_REGISTRY)


def _choice_param(request, name: str, choices) -> str | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in choices.values:
        raise ValidationError({name: [_("Unknown value %(value)s; expected one of: %(choices)s.")
                                      % {"value": value, "choices": ", ".join(choices.values)}]})
    return value


def _region_param(request) -> Region | None:
    """`region` is a region code or an id. Codes are tried first: they are all digits too, but 12
    or 15 of them, far beyond any id. An unknown region yields an empty list, the same answer an
    out-of-scope one gets, so that the filter cannot probe which regions exist."""
    value = request.query_params.get("region", "").strip()
    if not value:
        return None
    region = Region.objects.filter(code=value).only("id", "level").first()
    if region is None and value.isdigit():
        region = Region.objects.filter(pk=int(value)).only("id", "level").first()
    return region or Region(pk=0, level=RegionLevel.VILLAGE)


def _id_number_q(user, term: str, path: str) -> Q:
    """Searching by ID number. A caller who sees only masked numbers may find a person by the
    full number (the card in hand) but not by a fragment: substring search would let them recover
    the hidden birth-date digits a few characters at a time."""
    if can(user, Capability.VIEW_ID_NUMBER):
        return Q(**{f"{path}__icontains": term})
    return Q(**{path: term.upper()})


REGION_PARAM = OpenApiParameter(
    "region", OpenApiTypes.STR,
    description="A county, town, village or hamlet: its region code or its id. Limits to that region "
                "and everything below it.",
)
SEARCH_HOUSEHOLDS = OpenApiParameter(
    "search", OpenApiTypes.STR,
    description="Household number (part of), a member's name (part of), or an ID number (part of it "
                "for roles that see full ID numbers, the whole number otherwise).",
)
SEARCH_PEOPLE = OpenApiParameter(
    "search", OpenApiTypes.STR,
    description="Name or person number (part of), or an ID number (part of it for roles that see full "
                "ID numbers, the whole number otherwise).",
)


def _enum_param(name: str, choices) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, enum=list(choices.values))


# ---------------------------------------------------------------------------------------------
# Viewsets


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    # Token first: DRF takes the 401 challenge (WWW-Authenticate) from the first class, and with
    # the session first a bad or expired token would answer 403, which tells a client to give up
    # rather than to get a new token. Both are still tried.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated, CanViewRegistry]
    pagination_class = Pagination

    def scoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return self.queryset
        return self.scoped_queryset()


@extend_schema_view(
    list=extend_schema(
        summary="Regions in the caller's scope",
        description="The caller's regions, everything below them, and their ancestors.",
        parameters=[
            _enum_param("level", RegionLevel),
            OpenApiParameter("parent", OpenApiTypes.INT, description="Children of this region id."),
        ],
    ),
    retrieve=extend_schema(summary="One region"),
)
class RegionViewSet(ScopedViewSet):
    serializer_class = RegionSerializer
    queryset = Region.objects.none()

    def scoped_queryset(self):
        qs = scoped_regions(self.request.user).order_by("code")
        if self.action == "list":
            if level := _choice_param(self.request, "level", RegionLevel):
                qs = qs.filter(level=level)
            parent = self.request.query_params.get("parent", "")
            if parent:
                if not parent.isdigit():
                    raise ValidationError({"parent": [_("A region id is a number.")]})
                qs = qs.filter(parent_id=int(parent))
        return qs


@extend_schema_view(
    list=extend_schema(
        summary="Households in the caller's scope",
        parameters=[
            REGION_PARAM,
            _enum_param("status", HouseholdStatus),
            _enum_param("household_type", HouseholdType),
            _enum_param("main_cause", MainCause),
            SEARCH_HOUSEHOLDS,
        ],
    ),
    retrieve=extend_schema(summary="One household with its members"),
)
class HouseholdViewSet(ScopedViewSet):
    queryset = Household.objects.none()

    def get_serializer_class(self):
        return HouseholdDetailSerializer if self.action == "retrieve" else HouseholdSerializer

    def scoped_queryset(self):
        qs = scoped_households(self.request.user).select_related(
            "county", "town", "village", "hamlet", "helper__unit"
        )
        if self.action == "retrieve":
            return qs.prefetch_related("members")
        params = self.request.query_params
        if (region := _region_param(self.request)) is not None:
            qs = qs.filter(**{f"{region.level}_id": region.pk})
        for name, choices in (("status", HouseholdStatus), ("household_type", HouseholdType),
                              ("main_cause", MainCause)):
            if value := _choice_param(self.request, name, choices):
                qs = qs.filter(**{name: value})
        if term := params.get("search", "").strip():
            member_ids = Person.objects.filter(
                Q(name__icontains=term) | _id_number_q(self.request.user, term, "id_number")
            ).values("household_id")
            # A subquery rather than a join: a join on members would repeat a household once per
            # matching member and need distinct(), which PostgreSQL will not combine with ordering
            # on columns outside the select list. The outer scope filter still applies.
            qs = qs.filter(Q(household_no__icontains=term) | Q(pk__in=member_ids))
        return qs


@extend_schema_view(
    list=extend_schema(
        summary="People in the caller's scope",
        parameters=[
            REGION_PARAM,
            OpenApiParameter("household", OpenApiTypes.INT, description="Members of this household id."),
            SEARCH_PEOPLE,
        ],
    ),
    retrieve=extend_schema(summary="One person"),
)
class PersonViewSet(ScopedViewSet):
    serializer_class = PersonSerializer
    queryset = Person.objects.none()

    def scoped_queryset(self):
        qs = scoped_people(self.request.user).select_related("household__village")
        if self.action != "list":
            return qs
        params = self.request.query_params
        if (region := _region_param(self.request)) is not None:
            qs = qs.filter(**{f"household__{region.level}_id": region.pk})
        household = params.get("household", "")
        if household:
            if not household.isdigit():
                raise ValidationError({"household": [_("A household id is a number.")]})
            qs = qs.filter(household_id=int(household))
        if term := params.get("search", "").strip():
            qs = qs.filter(
                Q(name__icontains=term) | Q(person_no__icontains=term)
                | _id_number_q(self.request.user, term, "id_number")
            )
        return qs
