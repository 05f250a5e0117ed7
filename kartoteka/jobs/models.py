"""The reliability record of a background job: attempts, backoff, timeout, idempotency.

``django.tasks`` (with the django-tasks-db backend) moves work to a worker; it does not retry,
time out, recover from a crashed worker or de-duplicate. A :class:`Job` row wraps each unit of
work with those guarantees; every attempt is a separate django task that runs :func:`run_job`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    RETRYING = "retrying", _("waiting to retry")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Job(models.Model):
    name = models.CharField(_("job"), max_length=200, help_text=_("Dotted path of the job function."))
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True, unique=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("max attempts"), default=5)
    timeout_seconds = models.PositiveIntegerField(_("timeout, s"), default=600)
    backoff_base_seconds = models.PositiveIntegerField(_("backoff base, s"), default=10)
    run_after = models.DateTimeField(_("run after"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True, help_text="The django.tasks result of the latest attempt.")
    recovered_count = models.PositiveIntegerField(_("recovered after a crash"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="job_status_created_idx"),
            models.Index(fields=["started_at"], name="job_running_started_idx", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.short_name} #{self.pk}"

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def retried(self) -> bool:
        return self.attempts > 1 or self.recovered_count > 0
