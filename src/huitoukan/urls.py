from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("huitoukan.accounts.urls")),
    path("registry/", include("huitoukan.registry.urls")),
    path("policy/", include("huitoukan.policy.urls")),
    path("lookback/", include("huitoukan.lookback.urls")),
    path("problems/", include("huitoukan.rectification.urls")),
    path("datasets/", include("huitoukan.datasets.urls")),
    path("api/", include("huitoukan.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("huitoukan.web.urls")),
]
