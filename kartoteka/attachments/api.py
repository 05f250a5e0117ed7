"""API endpoints for files attached to client cards (token area ``clients``).

A client or file the caller may not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Annotated, cast

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from kartoteka.api import Id, errors, require_scope
from kartoteka.attachments import downloads, filetypes, services
from kartoteka.attachments.models import Attachment
from kartoteka.clients.models import Client
from kartoteka.core.pagination import keyset_page
from kartoteka.users import access
from kartoteka.users.models import User

router = Router(tags=["attachments"])

MAX_LIMIT = 200


class UploaderOut(Schema):
    id: int
    full_name: str


class AttachmentOut(Schema):
    id: int
    client_id: int
    name: str = Field(description="The original file name, for display and download; never a path on the server.")
    description: str
    mime_type: str = Field(description="The type established from the content, e.g. application/pdf.")
    size: int = Field(description="Bytes.")
    sha256: str
    uploaded_by: UploaderOut | None
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def from_attachment(attachment: Attachment) -> AttachmentOut:
        uploader = attachment.uploaded_by
        return AttachmentOut(
            id=attachment.pk,
            client_id=attachment.client_id,
            name=attachment.original_name,
            description=attachment.description,
            mime_type=attachment.mime_type,
            size=attachment.size,
            sha256=attachment.sha256,
            uploaded_by=UploaderOut(id=uploader.pk, full_name=uploader.get_full_name()) if uploader else None,
            uploaded_at=attachment.uploaded_at,
            download_url=reverse("api:attachments_download", kwargs={"attachment_id": attachment.pk}),
        )


class AttachmentPage(Schema):
    items: list[AttachmentOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class AttachmentFilters(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


# Downloads are bytes of one of the accepted types, never JSON: document exactly those media types.
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_DOWNLOAD_DOC = {
    "responses": {
        200: {
            "description": "The file, as an attachment (Content-Disposition), never rendered inline.",
            "content": {
                **{kind.mime_type: _BINARY for kind in filetypes.KINDS},
                downloads.FALLBACK_CONTENT_TYPE: _BINARY,
            },
        }
    }
}


@router.get(
    "/clients/{client_id}/attachments",
    response={200: AttachmentPage, **errors(400, 401, 403, 404, 422)},
    summary="Files attached to a client, newest first",
)
def attachments_list(request: HttpRequest, client_id: Id, filters: Query[AttachmentFilters]) -> AttachmentPage:
    require_scope(request, "clients", "read")
    client = access.get_visible_or_404(_actor(request), Client, pk=client_id)
    qs = access.visible(_actor(request), Attachment).filter(client=client).select_related("uploaded_by")
    page = keyset_page(qs, order=["-id"], limit=filters.limit, cursor=filters.cursor)
    return AttachmentPage(items=[AttachmentOut.from_attachment(a) for a in page.items], next_cursor=page.next_cursor)


@router.post(
    "/clients/{client_id}/attachments",
    response={201: AttachmentOut, **errors(401, 403, 404, 409, 422)},
    summary="Attach a file to a client (multipart/form-data)",
    description=(
        "Send the file as the `file` part and an optional `description`. The type is checked by extension and by "
        "content; web pages, SVG, scripts and programs are refused. 422 names the limit or the rule; 409 "
        "`attachment_duplicate` means the same content is already attached to this client."
    ),
)
def attachments_create(
    request: HttpRequest,
    client_id: Id,
    file: Annotated[UploadedFile, File(description="The file (multipart part `file`).")],
    description: Annotated[str, Form(max_length=services.DESCRIPTION_MAX_LENGTH, description="What the file is.")] = "",
) -> Status[AttachmentOut]:
    require_scope(request, "clients", "write")
    client = access.get_visible_or_404(_actor(request), Client, pk=client_id)
    attachment = services.attachment_upload(actor=_actor(request), client=client, file=file, description=description)
    attachment = Attachment.objects.select_related("uploaded_by").get(pk=attachment.pk)
    return Status(201, AttachmentOut.from_attachment(attachment))


@router.get(
    "/attachments/{attachment_id}/download",
    response={200: None, **errors(401, 403, 404)},
    summary="Download a file",
    url_name="attachments_download",
    openapi_extra=_DOWNLOAD_DOC,
)
def attachments_download(request: HttpRequest, attachment_id: Id) -> HttpResponseBase:
    require_scope(request, "clients", "read")
    attachment = access.get_visible_or_404(_actor(request), Attachment, pk=attachment_id)
    return downloads.download_response(attachment)


@router.delete("/attachments/{attachment_id}", response={204: None, **errors(401, 403, 404)}, summary="Delete a file")
def attachments_delete(request: HttpRequest, attachment_id: Id) -> Status[None]:
    require_scope(request, "clients", "write")
    attachment = access.get_visible_or_404(_actor(request), Attachment, pk=attachment_id)
    services.attachment_delete(actor=_actor(request), attachment=attachment)
    return Status(204, None)
