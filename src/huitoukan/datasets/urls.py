from django.urls import path

from . import views, views_dispatch, views_review, views_warnings

app_name = "datasets"

urlpatterns = [
    path("", views.load_list, name="load_list"),
    path("<int:pk>/", views.load_detail, name="load_detail"),
    path("upload/", views.upload, name="upload"),
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/progress/", views.upload_progress, name="upload_progress"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("warnings/", views_warnings.warning_list, name="warnings"),
    path("warnings.xlsx", views_warnings.warning_export, name="warnings_export"),
    path("warnings/dispatch/", views_dispatch.dispatch, name="warnings_dispatch"),
    path("dispatches/", views_dispatch.dispatch_list, name="dispatch_list"),
    path("dispatches/<int:pk>/", views_dispatch.dispatch_detail, name="dispatch_detail"),
    path("dispatches/<int:pk>/visit/", views_dispatch.record_visit, name="dispatch_visit"),
    path("dispatches/<int:pk>/return/", views_dispatch.return_visit, name="dispatch_return"),
    path("review/", views_review.review_list, name="review_list"),
    path("review/<int:pk>/", views_review.review_detail, name="review_detail"),
    path("review/<int:pk>/decide/", views_review.review_decide, name="review_decide"),
]
