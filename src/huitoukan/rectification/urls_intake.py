"""Pages of problems found by people (views_intake.py), included by urls.py under /problems/."""

from django.urls import path

from . import views_intake as views

urlpatterns = [
    path("new/", views.problem_new, name="problem_new"),
    path("import/", views.problem_import, name="problem_import"),
    path("import/<str:token>/", views.problem_import_preview, name="problem_import_preview"),
    path("import/<str:token>/confirm/", views.problem_import_confirm, name="problem_import_confirm"),
]
