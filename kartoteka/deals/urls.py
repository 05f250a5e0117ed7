"""Deals: the kanban, the list, the deal card and forms; each screen's URLs live beside its views."""

from django.urls import include, path

from kartoteka.deals.views import report

app_name = "deals"

urlpatterns = [
    path("report/", report.report_page, name="report"),
    path("", include("kartoteka.deals.views.kanban_urls")),
    path("", include("kartoteka.deals.views.deal_urls")),
]
