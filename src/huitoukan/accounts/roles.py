"""Roles and what each may do. One table, so that "who may see ID numbers" has one answer.

The roles are DOMAIN.md §1's users. A capability not listed for a role is refused; views, the API,
exports and the command line ask `can(user, capability)` rather than checking role names.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("county administrator")
    TOWN_CADRE = "town_cadre", _("town cadre")
    VILLAGE_CADRE = "village_cadre", _("village cadre / work team")
    HELPER = "helper", _("helper")
    INSPECTOR = "inspector", _("inspector")
    DATA_PROVIDER = "data_provider", _("department data provider")
    LEADER = "leader", _("leader")


class Capability:
    VIEW_REGISTRY = "view_registry"
    VIEW_ID_NUMBER = "view_id_number"  # full citizen ID numbers
    VIEW_HEALTH = "view_health"  # health and disability data
    IMPORT_REGISTRY = "import_registry"
    EDIT_POLICY = "edit_policy"
    MANAGE_USERS = "manage_users"
    EXPORT_PERSONAL = "export_personal"
    RUN_LOOKBACK = "run_lookback"  # start look-back runs
    VIEW_PROBLEMS = "view_problems"  # the problem ledger of one's regions
    RECTIFY_PROBLEMS = "rectify_problems"  # report progress and "fixed", with evidence
    VERIFY_PROBLEMS = "verify_problems"  # verify a reported fix: close it, or return it
    ASSIGN_PROBLEMS = "assign_problems"  # responsible unit, person and deadline
    RECORD_PROBLEMS = "record_problems"  # problems found by people (self-check, inspections)
    LOAD_DATASETS = "load_datasets"  # load department datasets (datasets app)
    VIEW_DATASETS = "view_datasets"  # department datasets' loads and records (personal data)
    DISPATCH_WARNINGS = "dispatch_warnings"  # send early-warning signals to towns for a visit


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset(
        {C.VIEW_REGISTRY, C.VIEW_ID_NUMBER, C.VIEW_HEALTH, C.IMPORT_REGISTRY, C.EDIT_POLICY, C.MANAGE_USERS,
         C.EXPORT_PERSONAL, C.RUN_LOOKBACK, C.VIEW_PROBLEMS, C.RECTIFY_PROBLEMS, C.VERIFY_PROBLEMS,
         C.ASSIGN_PROBLEMS, C.RECORD_PROBLEMS, C.LOAD_DATASETS, C.VIEW_DATASETS, C.DISPATCH_WARNINGS}
    ),
    # Town and village cadres work households face to face: they see health (to plan assistance)
    # but not full ID numbers, which they never need to type. They rectify their problems and
    # report them fixed; they never verify their own work (对账销号 is the county's). A town records
    # its own self-check (rectification/intake.py limits it to that source).
    Role.TOWN_CADRE: frozenset({C.VIEW_REGISTRY, C.VIEW_HEALTH, C.EXPORT_PERSONAL, C.VIEW_PROBLEMS,
                                C.RECTIFY_PROBLEMS, C.RECORD_PROBLEMS}),
    Role.VILLAGE_CADRE: frozenset({C.VIEW_REGISTRY, C.VIEW_HEALTH, C.VIEW_PROBLEMS, C.RECTIFY_PROBLEMS}),
    Role.HELPER: frozenset({C.VIEW_REGISTRY, C.VIEW_HEALTH, C.VIEW_PROBLEMS}),
    # Inspectors verify identities against other records: they need the full number.
    # Inspectors run their own look-backs over the regions they inspect, record what their
    # inspections find, and verify fixes; they do not rectify.
    Role.INSPECTOR: frozenset({C.VIEW_REGISTRY, C.VIEW_ID_NUMBER, C.VIEW_HEALTH, C.RUN_LOOKBACK, C.VIEW_PROBLEMS,
                               C.VERIFY_PROBLEMS, C.RECORD_PROBLEMS, C.VIEW_DATASETS}),
    # A department's data clerk loads their department's files and sees the loads (ID numbers masked:
    # they never need to read another department's numbers in clear).
    Role.DATA_PROVIDER: frozenset({C.LOAD_DATASETS, C.VIEW_DATASETS}),
    Role.LEADER: frozenset({C.VIEW_REGISTRY, C.VIEW_PROBLEMS}),
}


def can(user, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


#: How the capabilities are named to users (the role table on the user form, docs/web.md).
CAPABILITY_LABELS = {
    C.VIEW_REGISTRY: _("see the registry"),
    C.VIEW_ID_NUMBER: _("full ID numbers"),
    C.VIEW_HEALTH: _("health and disability data"),
    C.IMPORT_REGISTRY: _("import the registry"),
    C.EDIT_POLICY: _("set the year's standards"),
    C.MANAGE_USERS: _("manage users"),
    C.EXPORT_PERSONAL: _("export personal data"),
    C.RUN_LOOKBACK: _("run look-backs"),
    C.VIEW_PROBLEMS: _("see the problem ledger"),
    C.RECTIFY_PROBLEMS: _("report rectification"),
    C.VERIFY_PROBLEMS: _("verify and close problems"),
    C.ASSIGN_PROBLEMS: _("assign problems and set deadlines"),
    C.RECORD_PROBLEMS: _("record problems found by people"),
    C.LOAD_DATASETS: _("load department datasets"),
    C.VIEW_DATASETS: _("see department datasets"),
    C.DISPATCH_WARNINGS: _("dispatch early warnings to towns"),
}


def capability_matrix() -> tuple[list, list]:
    """(capability labels, [(role label, [bool per capability])]) straight from ROLE_CAPABILITIES,
    so that what the user form tells an administrator cannot drift from what is enforced."""
    capabilities = list(CAPABILITY_LABELS)
    rows = [(label, [cap in ROLE_CAPABILITIES.get(value, frozenset()) for cap in capabilities])
            for value, label in Role.choices]
    return [CAPABILITY_LABELS[c] for c in capabilities], rows
