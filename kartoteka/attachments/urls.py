"""Files attached to client cards: the panel, upload, access-checked download, delete."""

from django.urls import path

from kartoteka.attachments import views

app_name = "attachments"

urlpatterns = [
    path("client/<int:client_id>/", views.panel, name="panel"),
    path("client/<int:client_id>/upload/", views.upload, name="upload"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
