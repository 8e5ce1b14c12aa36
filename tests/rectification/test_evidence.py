"""Evidence files (evidence.py, models.EvidenceStorage): what is accepted, judged by content with real
minimal files of each kind; what is refused; where and how a file is stored; and that a step that
fails leaves no file behind."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.rectification import evidence, workflow
from huitoukan.rectification.choices import Action, Status
from huitoukan.rectification.models import Evidence, EvidenceStorage, Problem, ProblemEvent
from tests.factories import make_user
from tests.rectification.test_pages import make_problem
from tests.rectification.test_workflow import snapshot, stored_files
from tests.scope_fixtures import *

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the header block of a compound file


def ooxml(main_part: str | None) -> bytes:
    """A minimal Office Open XML package holding `main_part` (None: a zip without it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        if main_part:
            archive.writestr(main_part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet("整改台账").write(0, 0, "已整改")
    workbook.close()
    return buffer.getvalue()


VALID = {
    "照片.jpg": JPEG, "照片.JPEG": JPEG, "门牌.png": PNG, "现场.webp": WEBP, "签字表.pdf": PDF,
    "说明.doc": OLE, "台账.xls": OLE, "汇报.ppt": OLE, "说明.docx": ooxml("word/document.xml"),
    "台账.xlsx": xlsx(), "汇报.pptx": ooxml("ppt/presentation.xml"),
}


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("name", list(VALID))
def test_each_kind_is_accepted_by_its_content(name):
    kind = evidence.check(upload(name, VALID[name]))
    assert kind == evidence.KINDS[evidence.extension(name)]


def test_every_kind_has_a_valid_sample():
    assert {evidence.extension(name) for name in VALID} == set(evidence.KINDS)


@pytest.mark.parametrize(("name", "content"), [
    ("病毒.exe", b"MZ\x90\x00" + b"\x00" * 60),
    ("无扩展名", PNG),
    ("说明.txt", b"plain text"),
    ("伪装.png", "这是一个文本文件，改了扩展名".encode()),
    ("伪装.jpg", PNG),
    ("伪装.pdf", b"<html>not a pdf</html>"),
    ("伪装.doc", ooxml("word/document.xml")),  # the new format under the old name is not an OLE file
    ("空壳.docx", ooxml(None)),
    ("表格当文档.docx", xlsx()),
    ("坏包.xlsx", b"PK\x03\x04" + b"\x00" * 40),
    ("坏图.webp", b"RIFF\x1a\x00\x00\x00WAVEfmt "),
])
def test_files_that_are_not_what_their_name_says_are_refused(name, content):
    with pytest.raises(evidence.EvidenceError) as refused:
        evidence.check(upload(name, content))
    assert name in str(refused.value)


def test_an_empty_file_is_refused():
    with pytest.raises(evidence.EvidenceError, match="空.png"):
        evidence.check(upload("空.png", b""))


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_accepted(settings):
    settings.HUITOUKAN_EVIDENCE_MAX_BYTES = len(PNG)
    evidence.check(upload("刚好.png", PNG))
    with pytest.raises(evidence.EvidenceError, match="太大.png"):
        evidence.check(upload("太大.png", PNG + b"\x00"))


def test_more_files_than_the_limit_are_refused(settings):
    settings.HUITOUKAN_EVIDENCE_MAX_FILES = 2
    evidence.check_all([upload("1.png", PNG), upload("2.png", PNG)])
    with pytest.raises(evidence.EvidenceError):
        evidence.check_all([upload(f"{i}.png", PNG) for i in range(3)])


def test_check_leaves_the_file_readable_from_the_start():
    item = upload("说明.docx", VALID["说明.docx"])
    evidence.check(item)
    assert item.read() == VALID["说明.docx"]


# --- storing ----------------------------------------------------------------------------------------


@pytest.fixture
def problem(county):
    village = county.villages_of(county.towns[0])[0]
    home = next(h for h in county.households if h.village_id == village.pk)
    return make_problem("NO_HELPER", household=home, status=Status.IN_PROGRESS)


def test_a_stored_file_has_a_random_name_under_evidence_year_month(users, problem):
    hostile = "../../static/整改照片 （最终版）.PNG"
    content = ContentFile(PNG, name=hostile)  # a name as a client sends it, before any clean-up
    event = workflow.take_step(problem, users[Role.TOWN_CADRE], Action.PROGRESS, note="已走访",
                               files=[content, upload("台账.xlsx", VALID["台账.xlsx"])])
    photo, table = event.evidence.order_by("pk")
    assert (photo.original_name, table.original_name) == ("整改照片 （最终版）.PNG", "台账.xlsx")  # no path
    assert (photo.content_type, table.content_type) == ("image/png", evidence.KINDS["xlsx"].content_type)
    assert (photo.size, photo.sha256) == (len(PNG), hashlib.sha256(PNG).hexdigest())
    assert table.sha256 == hashlib.sha256(VALID["台账.xlsx"]).hexdigest()
    assert photo.uploaded_by == users[Role.TOWN_CADRE] and photo.uploaded_at == event.at
    root = Path(settings.MEDIA_ROOT).resolve() / "evidence"
    when = timezone.localtime(event.at)  # the folders are the county's months, not UTC's
    for item, ext in ((photo, "png"), (table, "xlsx")):
        assert re.fullmatch(rf"{when:%Y/%m}/[0-9a-f]{{32}}\.{ext}", item.file.name)
        path = Path(item.file.path).resolve()
        assert path.is_relative_to(root) and path.is_file()
        assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
        assert "整改" not in str(path) and ".." not in item.file.name
    assert Path(photo.file.path).read_bytes() == PNG
    assert stored_files() == sorted(str(Path(i.file.path)) for i in (photo, table))


def test_an_evidence_file_has_no_url(users, problem):
    """EvidenceStorage has no base URL of its own: FileSystemStorage would fall back to MEDIA_URL
    (empty here, so a relative "2026/05/….png" that some page could turn into a link). Evidence is
    served only by a view that checks the user's scope, so `.url` refuses instead of inventing one."""
    event = workflow.take_step(problem, users[Role.TOWN_CADRE], Action.PROGRESS, note="x", files=[upload("a.png", PNG)])
    item = event.evidence.get()
    with pytest.raises(NotImplementedError):
        item.file.url  # noqa: B018
    with pytest.raises(NotImplementedError):
        EvidenceStorage().url("2026/01/x.png")


def test_a_bad_second_file_refuses_the_step_before_anything_is_stored(users, problem, settings):
    before = snapshot(problem)
    for files in ([upload("好.png", PNG), upload("坏.png", b"not a png")],
                  [upload("好.png", PNG), upload("空.pdf", b"")]):
        with pytest.raises(workflow.StepRefused) as refused:
            workflow.take_step(problem, users[Role.TOWN_CADRE], Action.PROGRESS, note="x", files=files)
        assert refused.value.permission is False
    settings.HUITOUKAN_EVIDENCE_MAX_FILES = 1
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.PROGRESS, note="x",
                           files=[upload("1.png", PNG), upload("2.png", PNG)])
    assert snapshot(problem) == before
    assert stored_files() == []


@pytest.mark.django_db(transaction=True)
def test_a_step_whose_transaction_fails_after_storing_leaves_no_file(county):
    """An account removed while its step was being taken: the step's rows name a user that no longer
    exists, which the database refuses when the transaction commits (foreign keys are checked at
    commit), after the files were written. The files must go with the rows."""
    village = county.villages_of(county.towns[0])[0]
    home = next(h for h in county.households if h.village_id == village.pk)
    problem = make_problem("NO_HELPER", household=home, status=Status.IN_PROGRESS)
    root = make_user("root", Role.COUNTY_ADMIN, [], is_superuser=True)
    gone = User.objects.get(pk=root.pk)
    User.objects.filter(pk=root.pk).delete()
    before = {"row": Problem.objects.filter(pk=problem.pk).values().get(),
              "events": ProblemEvent.objects.count(), "evidence": Evidence.objects.count()}

    with pytest.raises(IntegrityError):
        workflow.take_step(problem, gone, Action.REPORTED_FIXED, note="已整改",
                           files=[upload("1.png", PNG), upload("2.pdf", PDF)])

    assert stored_files() == []
    assert before == {"row": Problem.objects.filter(pk=problem.pk).values().get(),
                      "events": ProblemEvent.objects.count(), "evidence": Evidence.objects.count()}


@pytest.mark.parametrize("sent, kept", [
    ("../../static/整改照片.PNG", "整改照片.PNG"),
    ("C:\\Users\\镇干部\\Desktop\\核实表.pdf", "核实表.pdf"),
    ("a\x00b\x1f.png", "ab.png"),
])
def test_the_name_kept_is_the_last_path_part_without_control_characters(sent, kept):
    from huitoukan.rectification.workflow import display_name

    assert display_name(sent) == kept
