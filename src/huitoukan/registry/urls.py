from django.urls import include, path

app_name = "registry"
urlpatterns: list = [
    # Registry import (upload → preview → confirm → progress): registry/import_urls.py
    path("import/", include("huitoukan.registry.import_urls")),
]
