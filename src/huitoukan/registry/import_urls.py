"""Registry import pages, included by registry/urls.py under import/ (namespace `registry`)."""

from django.urls import path

from . import views_import as views

urlpatterns: list = [
    path("", views.import_list, name="import_list"),
    path("upload/", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/issues.csv", views.import_issues, name="import_issues"),
]
