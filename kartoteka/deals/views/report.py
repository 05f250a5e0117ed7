"""The sales report page: a period, a pipeline, and the funnel's figures (see kartoteka/deals/report.py)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.deals import report
from kartoteka.deals.models import Pipeline
from kartoteka.deals.selectors import visible_pipelines

MAX_DAYS = 3 * 366


DATE_ATTRS = {"type": "date", "class": "form-control form-control-sm"}


class PeriodForm(forms.Form):
    # A date input shows only an ISO value: a localised one ("24.11.2026") would leave it blank.
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs=DATE_ATTRS, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs=DATE_ATTRS, format="%Y-%m-%d"))
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.none(),
        required=False,
        empty_label=_("All pipelines"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["pipeline"].queryset = visible_pipelines(user)  # type: ignore[attr-defined, arg-type]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date):
            if end < start:
                self.add_error("end", _("The period ends before it starts."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return cleaned


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    if not report.can_view(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {"start": today.replace(day=1), "end": today}
    form = PeriodForm(request.GET or None, user=request.user, initial=initial)
    result = None
    if not request.GET:
        result = report.build(request.user, start=initial["start"], end=initial["end"])
    elif form.is_valid():
        data = form.cleaned_data
        result = report.build(request.user, start=data["start"], end=data["end"], pipeline=data.get("pipeline"))
    return render(request, "deals/report.html", {"form": form, "report": result, "nav_active": "deals"})
