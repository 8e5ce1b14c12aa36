"""Pages of the rectification workflow (see the module they route)."""

from django.urls import path

from . import views_workflow

urlpatterns = [
    path("<int:pk>/step/", views_workflow.problem_step, name="problem_step"),
    path("<int:pk>/assign/", views_workflow.problem_assign, name="problem_assign"),
    path("assign/", views_workflow.problems_assign, name="problems_assign"),
    path("evidence/<int:pk>/", views_workflow.evidence_download, name="evidence_download"),
]
