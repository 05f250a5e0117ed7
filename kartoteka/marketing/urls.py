"""Lead submissions for staff; the public form address lives at /f/<key>/ (see kartoteka/urls.py)."""

from django.urls import path

from kartoteka.marketing.views import submissions

app_name = "marketing"

urlpatterns = [
    path("submissions/", submissions.submission_list, name="submissions"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission"),
    path("submissions/<int:pk>/retry/", submissions.submission_retry, name="retry"),
]
