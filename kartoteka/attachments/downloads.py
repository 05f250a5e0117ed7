"""The one way a stored file leaves the server: as a download the browser will not render or run.

Used by the web view and the API alike, after the caller has fetched the attachment through the access
policy (``access.get_visible_or_404``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404

from kartoteka.attachments import filetypes
from kartoteka.attachments.models import Attachment

logger = logging.getLogger(__name__)

FALLBACK_CONTENT_TYPE = "application/octet-stream"
# Even a file that slipped past the checks must not become a page on our origin: no scripts, no
# plugins, no same-origin access, nothing loaded from it.
SANDBOX_POLICY = "sandbox; default-src 'none'"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()\-]+")


def safe_content_type(mime_type: str) -> str:
    """The stored type when it is one of ours (never HTML, SVG, XML or script); otherwise opaque bytes."""
    if filetypes.kind_for_mime_type(mime_type) is None:
        return FALLBACK_CONTENT_TYPE
    return mime_type


def content_disposition(name: str) -> str:
    """``attachment`` with the name in UTF-8 (RFC 6266 / 5987), and an ASCII fallback for old clients."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = " ".join(_UNSAFE_ASCII.sub("_", ascii_stem).split()).strip("._ ")
    if not any(ch.isalnum() for ch in ascii_stem):
        ascii_stem = "file"
    ascii_extension = _UNSAFE_ASCII.sub("", extension)
    fallback = f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s: the stored file %s is missing", attachment.pk, attachment.file.name)
        raise Http404 from None
    response = FileResponse(handle, content_type=safe_content_type(attachment.mime_type))
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY  # the CSP middleware leaves a set header alone
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"  # contracts stay out of shared caches
    return response
