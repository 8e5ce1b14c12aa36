"""Evidence files (佐证材料): what may be uploaded, checked by content and not by name alone, and how
it is stored.

A file is accepted when its extension is one of KINDS and its first bytes are what that kind of file
starts with (a renamed .exe is refused, and so is a "docx" that is not a Word document inside). Files
are stored under a random name by `models.EvidenceStorage` (outside the web root, no URL) and served
only by the evidence view, which checks the user's scope.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Office 97–2003 files (.doc, .xls, .ppt)


@dataclass(frozen=True)
class Kind:
    content_type: str
    inline: bool  # shown in the browser (images, PDF) rather than downloaded


KINDS = {
    "jpg": Kind("image/jpeg", True),
    "jpeg": Kind("image/jpeg", True),
    "png": Kind("image/png", True),
    "webp": Kind("image/webp", True),
    "pdf": Kind("application/pdf", True),
    "doc": Kind("application/msword", False),
    "xls": Kind("application/vnd.ms-excel", False),
    "ppt": Kind("application/vnd.ms-powerpoint", False),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
}
#: The part every Office Open XML file of a kind has (its main document).
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


class EvidenceError(ValueError):
    """A file that cannot be evidence; the message says why, naming the file."""


def max_bytes() -> int:
    return settings.HUITOUKAN_EVIDENCE_MAX_BYTES


def max_files() -> int:
    return settings.HUITOUKAN_EVIDENCE_MAX_FILES


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check(upload) -> Kind:
    """The kind of `upload` (a Django UploadedFile, or anything with name, size, read and seek), or
    EvidenceError saying why it cannot be evidence."""
    name = upload.name or ""
    kind = KINDS.get(extension(name))
    if kind is None:
        raise EvidenceError(_("%(name)s: only photos (JPG, PNG, WebP), PDF and Office documents (Word, Excel, "
                              "PowerPoint) can be evidence.") % {"name": name})
    if not upload.size:
        raise EvidenceError(_("%(name)s is empty.") % {"name": name})
    if upload.size > max_bytes():
        raise EvidenceError(_("%(name)s is %(size)s MB; evidence files may be at most %(limit)s MB.") % {
            "name": name, "size": f"{upload.size / 2**20:.1f}", "limit": f"{max_bytes() / 2**20:g}"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _looks_like(extension(name), head, upload):
        raise EvidenceError(_("%(name)s is not the kind of file its name says (.%(ext)s).") % {
            "name": name, "ext": extension(name)})
    return kind


def check_all(uploads) -> list[Kind]:
    uploads = list(uploads)
    if len(uploads) > max_files():
        raise EvidenceError(_("At most %(limit)d files at a time.") % {"limit": max_files()})
    return [check(upload) for upload in uploads]


def _looks_like(ext: str, head: bytes, upload) -> bool:
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("doc", "xls", "ppt"):
        return head.startswith(OLE)
    if ext in OOXML_PART:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as archive:
                return OOXML_PART[ext] in archive.namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
    return False


def digest(upload) -> str:
    sha = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()
