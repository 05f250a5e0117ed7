"""Files attached to a client card (contract copies, scans), stored outside the web root.

Every attachment belongs to a client, which decides who may see it; ``target`` optionally names the
record on that card it was attached to (a contact now, a deal or a document in later issues).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kartoteka.attachments import filetypes
from kartoteka.clients.models import Client


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the user's file name on disk: it may be anything, including "../" or a script name.
    return f"attachments/{instance.client_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="attachments")
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    # Audited, so the card's timeline shows "File added: contract.pdf" and merges record the move.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["client", "-uploaded_at"], name="attachment_client_idx"),
            models.Index(fields=["target_type", "target_id"], name="attachment_target_idx"),
            # The duplicate check on upload: the same content on the same client.
            models.Index(fields=["client", "sha256"], name="attachment_client_sha_idx"),
            # Storage housekeeping asks "is this stored file still referenced?".
            models.Index(fields=["file"], name="attachment_file_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def kind(self) -> filetypes.FileKind | None:
        return filetypes.kind_for_mime_type(self.mime_type)

    @property
    def type_label(self) -> str:
        """The short badge shown next to the name: PDF, DOCX, PNG…"""
        kind = self.kind
        return kind.label if kind else filetypes.extension_of(self.original_name).upper()[:6]

    @property
    def type_tone(self) -> str:
        """A Bootstrap colour for the badge, so a PDF or a spreadsheet is recognised at a glance."""
        return filetypes.TONES.get(self.kind.code if self.kind else "", "secondary")
