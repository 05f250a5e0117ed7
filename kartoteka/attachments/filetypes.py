"""Which files a client card accepts, and how an upload proves it is what its name says.

A file is accepted only when its extension is on the list below **and** its first bytes match that
kind (a PDF starts with ``%PDF-``, a DOCX is a ZIP holding ``word/document.xml``, a CSV decodes as
UTF-8 or Windows-1251 and holds no NUL bytes). Web pages, SVG images, scripts and programs are refused
whatever their name, because a browser could run them. The stored content type comes from this table,
never from what the uploader's browser claimed.

Everything is checked while streaming the upload in chunks: a 25 MB scan is never read into memory.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD_SIZE = 8192  # bytes kept from the start of the file for the signature checks
NAME_MAX_LENGTH = 255

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: legacy DOC, XLS, PPT, Outlook MSG
ZIP = b"PK\x03\x04"


def _starts(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(signatures)


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str  # the badge in the panel: "PDF", "DOCX"
    group: Any  # lazy translation, for the "allowed types" message
    mime_type: str  # sent on download; text kinds get "; charset=…" added
    extensions: tuple[str, ...]
    signature: Callable[[bytes], bool] | None = None  # binary kinds: does the head match?
    zip_member: str | None = None  # OOXML: a part that must exist in the archive
    odf_mimetype: str | None = None  # OpenDocument: the archive's "mimetype" entry
    text: bool = False  # must decode as UTF-8 or Windows-1251, no NUL bytes
    email_headers: bool = False  # text that must start with RFC 5322 header lines


DOCUMENTS = gettext_lazy("documents")
IMAGES = gettext_lazy("images")
TEXT = gettext_lazy("text and e-mail")

KINDS: tuple[FileKind, ...] = (
    FileKind("pdf", "PDF", DOCUMENTS, "application/pdf", ("pdf",), signature=_starts(b"%PDF-")),
    FileKind(
        "docx", "DOCX", DOCUMENTS, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",),
        signature=_starts(ZIP), zip_member="word/document.xml",
    ),
    FileKind(
        "xlsx", "XLSX", DOCUMENTS, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",),
        signature=_starts(ZIP), zip_member="xl/workbook.xml",
    ),
    FileKind(
        "pptx", "PPTX", DOCUMENTS, "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",),
        signature=_starts(ZIP), zip_member="ppt/presentation.xml",
    ),
    FileKind(
        "odt", "ODT", DOCUMENTS, "application/vnd.oasis.opendocument.text", ("odt",),
        signature=_starts(ZIP), odf_mimetype="application/vnd.oasis.opendocument.text",
    ),
    FileKind(
        "ods", "ODS", DOCUMENTS, "application/vnd.oasis.opendocument.spreadsheet", ("ods",),
        signature=_starts(ZIP), odf_mimetype="application/vnd.oasis.opendocument.spreadsheet",
    ),
    FileKind("doc", "DOC", DOCUMENTS, "application/msword", ("doc",), signature=_starts(OLE)),
    FileKind("xls", "XLS", DOCUMENTS, "application/vnd.ms-excel", ("xls",), signature=_starts(OLE)),
    FileKind("ppt", "PPT", DOCUMENTS, "application/vnd.ms-powerpoint", ("ppt",), signature=_starts(OLE)),
    FileKind("png", "PNG", IMAGES, "image/png", ("png",), signature=_starts(b"\x89PNG\r\n\x1a\n")),
    FileKind("jpeg", "JPEG", IMAGES, "image/jpeg", ("jpg", "jpeg"), signature=_starts(b"\xff\xd8\xff")),
    FileKind("gif", "GIF", IMAGES, "image/gif", ("gif",), signature=_starts(b"GIF87a", b"GIF89a")),
    FileKind("webp", "WEBP", IMAGES, "image/webp", ("webp",), signature=_webp),
    FileKind("tiff", "TIFF", IMAGES, "image/tiff", ("tif", "tiff"), signature=_starts(b"II*\x00", b"MM\x00*")),
    FileKind("txt", "TXT", TEXT, "text/plain", ("txt",), text=True),
    FileKind("csv", "CSV", TEXT, "text/csv", ("csv",), text=True),
    FileKind("eml", "EML", TEXT, "message/rfc822", ("eml",), text=True, email_headers=True),
    FileKind("msg", "MSG", TEXT, "application/vnd.ms-outlook", ("msg",), signature=_starts(OLE)),
)  # fmt: skip

TONES = {
    "pdf": "danger", "docx": "primary", "doc": "primary", "odt": "primary", "xlsx": "success", "xls": "success",
    "ods": "success", "csv": "success", "pptx": "warning", "ppt": "warning", "png": "info", "jpeg": "info",
    "gif": "info", "webp": "info", "tiff": "info",
}  # fmt: skip

BY_EXTENSION: dict[str, FileKind] = {extension: kind for kind in KINDS for extension in kind.extensions}
BY_MIME_TYPE: dict[str, FileKind] = {kind.mime_type: kind for kind in KINDS}

# Anything a browser might execute or render as a page, whatever the file is called.
_MARKUP = re.compile(rb"^<\s*[!?/a-zA-Z]")
_SCRIPT_STARTS = (b"#!", b"'use strict'", b'"use strict"', b"(function", b"!function")
_EXECUTABLES = (
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe",  # macOS
)  # fmt: skip
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# An RFC 5322 field name and a colon (obsolete syntax allows spaces before it), or an mbox "From " line.
_HEADER_LINE = re.compile(rb"^(?:From |[!-9;-~]+[ \t]*:)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def allowed_types_text() -> str:
    """ "documents (PDF, DOCX, …); images (PNG, …); text and e-mail (TXT, CSV, …)" for messages and hints."""
    groups: dict[str, list[str]] = {}
    for kind in KINDS:
        groups.setdefault(str(kind.group), []).append(kind.label)
    return "; ".join(f"{group} ({', '.join(labels)})" for group, labels in groups.items())


def accept_attribute() -> str:
    """The file input's ``accept`` list, so the browser's picker offers the same types we accept."""
    return ",".join(f".{extension}" for extension in BY_EXTENSION)


def kind_for_mime_type(mime_type: str) -> FileKind | None:
    return BY_MIME_TYPE.get(mime_type.split(";", 1)[0].strip())


def clean_file_name(raw: str) -> str:
    """A name fit for display and for the download header; never used as a path on disk.

    Drops any folder part (``C:\\scans\\`` or ``../``), control and direction-changing characters (a
    right-to-left override makes ``exe.pdf`` look like ``fdp.exe``), and squeezes spaces; keeps Cyrillic.
    """
    name = unicodedata.normalize("NFC", str(raw))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = " ".join(name.split()).strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: NAME_MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:NAME_MAX_LENGTH]
    return name


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


@dataclass(frozen=True)
class Inspected:
    kind: FileKind
    mime_type: str  # what downloads send as Content-Type
    size: int
    sha256: str


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def inspect(file: Any, *, name: str, max_bytes: int) -> Inspected:
    """Check an uploaded file (a Django ``File``) by name and content; hash it while streaming.

    Raises ``ValidationError`` with a message naming the limit or the rule, and a code:
    ``empty``, ``too_large``, ``file_type``, ``dangerous``, ``content_mismatch``.
    """
    extension = extension_of(name)
    kind = BY_EXTENSION.get(extension)
    if kind is None:
        if extension:
            message = _("Files of type “.%(ext)s” are not accepted. Allowed: %(allowed)s.")
        else:
            message = _("Files without an extension are not accepted. Allowed: %(allowed)s.")
        raise _refuse(message % {"ext": extension, "allowed": allowed_types_text()}, "file_type")
    limit_text = filesizeformat(max_bytes)
    declared = getattr(file, "size", None)
    if declared == 0:
        raise _refuse(_("The file “%(name)s” is empty.") % {"name": name}, "empty")
    if declared is not None and declared > max_bytes:
        raise _refuse(
            _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(declared), "limit": limit_text},
            "too_large",
        )

    digest = hashlib.sha256()
    size = 0
    head = b""
    checked_head = False
    utf8 = codecs.getincrementaldecoder("utf-8")() if kind.text else None
    cp1251 = codecs.getincrementaldecoder("cp1251")() if kind.text else None
    utf8_ok = cp1251_ok = kind.text
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks():
        size += len(chunk)
        if size > max_bytes:  # the declared size may be missing or wrong: count what really arrives
            raise _refuse(
                _("The file “%(name)s” is larger than the limit of %(limit)s.") % {"name": name, "limit": limit_text}, "too_large"
            )
        digest.update(chunk)
        if not checked_head:
            head += chunk[: HEAD_SIZE - len(head)]
            if len(head) >= HEAD_SIZE:
                _check_head(kind, name, head)
                checked_head = True
        if kind.text:
            if b"\x00" in chunk:
                raise _refuse(_("“%(name)s” is not a text file (it contains binary data).") % {"name": name}, "content_mismatch")
            utf8_ok = utf8_ok and _decodes(utf8, chunk)
            cp1251_ok = cp1251_ok and _decodes(cp1251, chunk)
    if size == 0:
        raise _refuse(_("The file “%(name)s” is empty.") % {"name": name}, "empty")
    if not checked_head:
        _check_head(kind, name, head)

    mime_type = kind.mime_type
    if kind.text:
        utf8_ok = utf8_ok and _decodes(utf8, b"", final=True)
        if not (utf8_ok or cp1251_ok):
            raise _refuse(
                _("“%(name)s” is not readable text: save it in UTF-8 or Windows-1251.") % {"name": name}, "content_mismatch"
            )
        if kind.code != "eml":
            mime_type = f"{kind.mime_type}; charset={'utf-8' if utf8_ok else 'windows-1251'}"
    if kind.zip_member or kind.odf_mimetype:
        _check_archive(kind, name, file)
    return Inspected(kind=kind, mime_type=mime_type, size=size, sha256=digest.hexdigest())


def _decodes(decoder: codecs.IncrementalDecoder | None, chunk: bytes, *, final: bool = False) -> bool:
    if decoder is None:
        return False
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _mismatch(kind: FileKind, name: str) -> ValidationError:
    return _refuse(
        _("The content of “%(name)s” is not a %(type)s file. Upload the original file or give it the right extension.")
        % {"name": name, "type": kind.label},
        "content_mismatch",
    )


def _check_head(kind: FileKind, name: str, head: bytes) -> None:
    stripped = head
    for bom in _BOMS:
        stripped = stripped.removeprefix(bom)
    stripped = stripped.lstrip()
    dangerous = (
        bool(_MARKUP.match(stripped))
        or stripped.startswith(_SCRIPT_STARTS)
        or head.startswith(_EXECUTABLES)
        or (head.startswith(b"MZ") and b"\x00" in head[:64])  # a Windows program (.exe, .dll)
    )
    if dangerous and not (kind.signature and kind.signature(head)):
        raise _refuse(
            _(
                "“%(name)s” looks like a web page, an SVG image, a script or a program. Such files are not accepted, "
                "whatever their name."
            )
            % {"name": name},
            "dangerous",
        )
    if kind.signature is not None and not kind.signature(head):
        raise _mismatch(kind, name)
    if kind.email_headers and not _HEADER_LINE.match(stripped):
        raise _mismatch(kind, name)


def _check_archive(kind: FileKind, name: str, file: IO[bytes] | Any) -> None:
    """An office document is a ZIP with a known inner layout; reading the directory needs no full read."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            if kind.zip_member is not None:
                names = set(archive.namelist())
                ok = kind.zip_member in names and "[Content_Types].xml" in names
            else:
                with archive.open("mimetype") as entry:
                    ok = entry.read(100).strip() == (kind.odf_mimetype or "").encode("ascii")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError):
        ok = False
    finally:
        file.seek(0)
    if not ok:
        raise _mismatch(kind, name)
