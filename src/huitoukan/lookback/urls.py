from django.urls import path

from . import views

app_name = "lookback"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<str:code>/", views.rule_detail, name="rule_detail"),
]
