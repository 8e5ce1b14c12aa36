from django.urls import include, path

from . import views

app_name = "registry"
urlpatterns: list = [
    path("households/", views.household_list, name="household_list"),
    path("households/export.csv", views.household_export, name="household_export"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    # Registry import (upload → preview → confirm → progress): registry/import_urls.py
    path("import/", include("huitoukan.registry.import_urls")),
]
