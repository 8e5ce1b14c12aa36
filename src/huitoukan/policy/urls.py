from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.ProfileListView.as_view(), name="profile_list"),
    path("new/", views.ProfileCreateView.as_view(), name="profile_create"),
    path("upload/", views.ProfileUploadView.as_view(), name="profile_upload"),
    path("<int:pk>/edit/", views.ProfileUpdateView.as_view(), name="profile_edit"),
    path("<int:pk>/history/", views.ProfileHistoryView.as_view(), name="profile_history"),
]
