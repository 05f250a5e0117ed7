"""Reading what a site posted, whatever it sent: the charset it declared, UTF-8, or cp1251 without saying so.

Browsers post forms in the page's encoding; old Russian sites still serve windows-1251 pages and
do not always say so. Each value is decoded on its own: valid UTF-8 first, then the declared
charset, then cp1251 — so one odd field does not garble the others. NUL characters are removed
(PostgreSQL text cannot hold them); nothing else is altered: escaping happens when it is shown.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.http import HttpRequest

FALLBACK_ENCODING = "cp1251"
MAX_KEYS = 100  # a form has a few fields; a post with hundreds of keys is not a lead


@dataclass(frozen=True)
class Intake:
    raw_body: str
    content_type: str
    encoding: str
    values: dict[str, list[str]]


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Text and the encoding that read it."""
    for encoding in ("utf-8", _known(declared), FALLBACK_ENCODING):
        if encoding is None:
            continue
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), "utf-8"  # cp1251 decodes any byte; kept for safety


def read_urlencoded(body: bytes, declared: str | None) -> Intake:
    # latin-1 maps every byte to one character and back: percent-decoding then yields the raw bytes.
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1", max_num_fields=MAX_KEYS)
    values: dict[str, list[str]] = {}
    used: set[str] = set()
    for raw_key, raw_value in pairs:
        key, _ = decode(raw_key.encode("latin-1"), declared)
        raw = raw_value.encode("latin-1")
        value, encoding = decode(raw, declared)
        if not raw.isascii():  # ASCII reads the same in every encoding: it says nothing
            used.add(encoding)
        values.setdefault(_clean(key), []).append(_clean(value))
    text, body_encoding = decode(body, declared)
    encoding = ",".join(sorted(used)) if used else body_encoding
    return Intake(raw_body=_clean(text), content_type="application/x-www-form-urlencoded", encoding=encoding, values=values)


def read_request(request: HttpRequest) -> Intake:
    """The values of a form post (urlencoded or multipart). Raises ValueError on a body it cannot read as a form."""
    content_type = request.content_type or ""
    declared = request.content_params.get("charset") if request.content_params else None
    body = request.body
    if content_type == "application/x-www-form-urlencoded" or (not content_type and body):
        return read_urlencoded(body, declared)
    if content_type == "multipart/form-data":
        # Django decodes multipart fields itself (files are ignored: a lead form takes no uploads).
        values = {_clean(key): [_clean(value) for value in request.POST.getlist(key)] for key in list(request.POST)[:MAX_KEYS]}
        text, _encoding = decode(body, declared)
        return Intake(raw_body=_clean(text), content_type=content_type, encoding=request.encoding or "utf-8", values=values)
    raise ValueError(content_type)
