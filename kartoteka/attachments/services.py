"""Writes for files attached to a client card: upload, delete, and housekeeping of stored files.

Access follows the client: whoever may change the client may attach and delete its files. Each
change is recorded by django-simple-history (the card's timeline shows "File added: contract.pdf")
and announced as ``attachment.added`` / ``attachment.deleted`` after commit.

Duplicates: the same content (by SHA-256) attached twice to the same client is refused with
:class:`DuplicateAttachment`, naming the file already there, instead of storing a second copy.
After a merge the survivor may hold two identical files from the two clients; that is allowed.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.attachments import filetypes
from kartoteka.attachments.models import Attachment
from kartoteka.clients import services as client_services
from kartoteka.clients.models import Client
from kartoteka.core import events
from kartoteka.core.errors import ConflictError
from kartoteka.users.models import User

if TYPE_CHECKING:
    from kartoteka.clients.services import Actor

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "attachments"
DESCRIPTION_MAX_LENGTH = 255

_check = client_services._check
_audit = client_services._audit
_actor_id = client_services._actor_id


class DuplicateAttachment(ConflictError):
    code = "attachment_duplicate"

    def __init__(self, message: Any, *, existing: Attachment) -> None:
        super().__init__(message)
        self.existing = existing


def _clean_description(description: str) -> str:
    text = " ".join(str(description or "").split())
    if "\x00" in text:
        raise ValidationError({"description": _("Text must not contain the NUL character (U+0000).")})
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"description": _("The description is too long: at most %(limit)d characters.") % {"limit": DESCRIPTION_MAX_LENGTH}}
        )
    return text


def _check_target(client: Client, target: models.Model | None) -> None:
    # A file may be pinned to a record on the same card (a contact); never to another client's record.
    if target is not None and getattr(target, "client_id", None) != client.pk:
        raise ValidationError({"target": _("The file can only be attached to a record of this client.")})


def _refuse_duplicate(client: Client, sha256: str) -> None:
    existing = Attachment.objects.filter(client=client, sha256=sha256).select_related("uploaded_by").first()
    if existing is None:
        return
    when = formats.date_format(timezone.localtime(existing.uploaded_at), "SHORT_DATETIME_FORMAT")
    raise DuplicateAttachment(
        _("This file is already attached to this client as “%(name)s” (%(when)s).")
        % {"name": existing.original_name, "when": when},
        existing=existing,
    )


def attachment_upload(
    *,
    actor: Actor,
    client: Client,
    file: UploadedFile,
    description: str = "",
    target: models.Model | None = None,
) -> Attachment:
    """Check the file (size, type by name and content), store it outside the web root, record it.

    The slow part — hashing and writing up to ``ATTACHMENT_MAX_BYTES`` — happens before the database
    transaction, so a big upload never holds the (SQLite) write lock; the row is written in a short
    transaction that re-checks access and duplicates under a lock on the client. If that transaction
    fails, the stored file is removed again.
    """
    # A file pinned to a deal needs the right to change the deal (the measurer with a task on it);
    # any other file, the right to change the client card.
    guard: models.Model = target if target is not None and target._meta.label == "deals.Deal" else client
    _check(actor, "change", guard)  # fail fast, before reading the upload
    name = filetypes.clean_file_name(file.name or "")
    description = _clean_description(description)
    _check_target(client, target)
    try:
        inspected = filetypes.inspect(file, name=name, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"file": error}) from None
    _refuse_duplicate(client, inspected.sha256)

    attachment = Attachment(
        client=client,
        original_name=name,
        mime_type=inspected.mime_type,
        size=inspected.size,
        sha256=inspected.sha256,
        description=description,
        uploaded_by=actor if isinstance(actor, User) else None,
    )
    if target is not None:
        attachment.target = target
    file.seek(0)
    attachment.file.save(name, file, save=False)  # the path comes from attachment_path, never from ``name``
    try:
        with transaction.atomic():
            locked = Client.objects.select_for_update().get(pk=client.pk)
            _check(actor, "change", guard if guard is not client else locked)
            _refuse_duplicate(locked, inspected.sha256)
            _audit(attachment, actor, _("File added: %(name)s") % {"name": name})
            attachment.save()
            events.publish(
                "attachment.added",
                attachment_id=attachment.pk,
                client_id=client.pk,
                name=name,
                size=inspected.size,
                mime_type=inspected.mime_type,
                actor_id=_actor_id(actor),
            )
    except BaseException:
        attachment.file.storage.delete(attachment.file.name or "")
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Actor, attachment: Attachment) -> None:
    """Delete the record now and the stored file once the deletion has committed."""
    attachment = Attachment.objects.select_for_update().select_related("client").get(pk=attachment.pk)
    _check(actor, "change", attachment)
    stored_name, storage = attachment.file.name or "", attachment.file.storage
    attachment_id, client_id, name = attachment.pk, attachment.client_id, attachment.original_name
    _audit(attachment, actor, _("File deleted: %(name)s") % {"name": name})
    attachment.delete()
    transaction.on_commit(lambda: _delete_if_unreferenced(storage, stored_name))
    events.publish("attachment.deleted", attachment_id=attachment_id, client_id=client_id, name=name, actor_id=_actor_id(actor))


def _delete_if_unreferenced(storage: Storage, name: str) -> bool:
    if not name or Attachment.objects.filter(file=name).exists():
        return False
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete the stored attachment file %s; the nightly sweep will retry", name, exc_info=True)
        return False
    return True


# --- Housekeeping ---------------------------------------------------------------------------------


def _stored_files(storage: Storage, folder: str) -> list[str]:
    if not storage.exists(folder):
        return []
    directories, files = storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for directory in directories:
        found.extend(_stored_files(storage, f"{folder}/{directory}"))
    return found


def attachment_files_sweep(*, folder: str = STORAGE_PREFIX, older_than: datetime.timedelta | None = None) -> int:
    """Delete stored files no attachment refers to; returns how many.

    They appear when a client is deleted (its attachment rows go with it, by cascade) or when an upload's
    transaction failed after the file was written. ``older_than`` spares files of uploads still in flight.
    """
    storage = default_storage
    names = _stored_files(storage, folder)
    referenced: set[str] = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        referenced.update(Attachment.objects.filter(file__in=batch).values_list("file", flat=True))
    cutoff = timezone.now() - older_than if older_than else None
    deleted = 0
    for name in names:
        if name in referenced:
            continue
        if cutoff is not None and storage.get_modified_time(name) > cutoff:
            continue
        if _delete_if_unreferenced(storage, name):
            deleted += 1
    return deleted


@events.subscribe("client.deleted")
def _remove_deleted_client_files(event: events.Event) -> None:
    # A deleted client's rows went by cascade; its own folder holds only its files, so clear it now
    # rather than keep a deleted client's contracts on disk until the nightly sweep.
    client_id = event.payload.get("client_id")
    if client_id:
        attachment_files_sweep(folder=f"{STORAGE_PREFIX}/{int(client_id)}")
