"""The problem ledger's pages. Each part of the rectification app routes its own pages (the list and
problem page and their workflow, what people record, the reports and notices), so that each file
stays with the code it serves."""

from django.urls import include, path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("export.<str:file_format>", views.problem_export, name="problem_export"),
    path("<int:pk>/", views.problem_detail, name="problem_detail"),
    path("", include("huitoukan.rectification.urls_workflow")),
    path("", include("huitoukan.rectification.urls_intake")),
    path("", include("huitoukan.rectification.urls_reports")),
]
