from django.urls import path

from . import views

app_name = "rectification"
urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("export.<str:file_format>", views.problem_export, name="problem_export"),
    path("<int:pk>/", views.problem_detail, name="problem_detail"),
]
