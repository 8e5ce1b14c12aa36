"""The demo's rectification: users of the other roles, and a few problems worked through the real
workflow (assigned, reported fixed with evidence, verified or returned), so that a new user sees
every status, a history and an evidence file on the first day.

Everything goes through rectification.assignment and rectification.workflow, as a person's clicks
would: the demo shows the system's own behaviour, never rows written around it.
"""

from __future__ import annotations

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.ops.accounts import new_password
from huitoukan.rectification import assignment, workflow
from huitoukan.rectification.choices import Action, Status
from huitoukan.rectification.models import Problem
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region

#: How many of the first town's problems the demo assigns, and what it does with the first few.
ASSIGNED, REPORTED, VERIFIED = 40, 6, 3


def demo_png(label: str = "demo") -> bytes:
    """A small real PNG (a grey square): evidence must be a real image to pass the upload checks."""
    width = height = 16
    rows = b"".join(b"\x00" + bytes([200, 200, 200]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text = b"Comment\x00" + label.encode("ascii", "replace")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", text)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def create_demo_users() -> list[tuple[str, str, str]]:
    """A town cadre (the first town), a village cadre (its first village) and an inspector (the
    county). Returns (username, role label, password) of the users created now; existing ones are
    left as they are."""
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    town = Region.objects.filter(level=RegionLevel.TOWN, parent=county).order_by("code").first()
    village = Region.objects.filter(level=RegionLevel.VILLAGE, parent=town).order_by("code").first()
    wanted = [("town", Role.TOWN_CADRE, town, "镇干部"), ("village", Role.VILLAGE_CADRE, village, "村干部"),
              ("inspector", Role.INSPECTOR, county, "督查员")]
    created = []
    for username, role, region, name in wanted:
        if region is None or User.objects.filter(username=username).exists():
            continue
        password = new_password()
        user = User.objects.create_user(username=username, password=password, role=role, first_name=name)
        user.regions.set([region])
        created.append((username, str(Role(role).label), password))
    return created


@transaction.atomic
def work_some_problems(admin: User) -> dict:
    """Assign the first town's most serious problems to its cadre; report a few fixed with a photo;
    the inspector verifies some and returns one. Does nothing if any problem was assigned already."""
    town_cadre = User.objects.filter(username="town", role=Role.TOWN_CADRE).first()
    inspector = User.objects.filter(username="inspector", role=Role.INSPECTOR).first()
    if town_cadre is None or inspector is None or Problem.objects.filter(assigned_at__isnull=False).exists():
        return {}
    town = town_cadre.regions.first()
    chosen = list(Problem.objects.filter(town=town, status=Status.OPEN, household__isnull=False)
                  .order_by("severity", "pk").values_list("pk", flat=True)[:ASSIGNED])
    if not chosen:
        return {}
    assignment.assign(chosen, admin, unit=f"{town.name}人民政府", person=town_cadre,
                      note="回头看发现的问题，请按时限整改并上传佐证材料。")
    problems = list(Problem.objects.filter(pk__in=chosen[:REPORTED]).order_by("pk"))
    for problem in problems:
        workflow.take_step(problem, town_cadre, Action.STARTED)
        photo = SimpleUploadedFile(f"整改照片-{problem.number}.png", demo_png(problem.number), "image/png")
        workflow.take_step(problem, town_cadre, Action.REPORTED_FIXED,
                           note="已入户核实并更正登记信息，附现场照片。", files=[photo])
    for problem in problems[:VERIFIED]:
        workflow.take_step(problem, inspector, Action.VERIFIED, note="核验属实，予以销号。")
    returned = problems[VERIFIED]
    workflow.take_step(returned, inspector, Action.VERIFICATION_FAILED,
                       note="照片不能说明问题已整改，请补充户主签字的核实表。")
    return {"assigned": len(chosen), "reported": len(problems), "verified": VERIFIED, "returned": 1}
