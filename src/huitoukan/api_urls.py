"""The API (see docs/api.md). The schema and its browsable docs are routed in urls.py."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from huitoukan.rectification.api import EvidenceViewSet, ProblemViewSet
from huitoukan.registry.api import HouseholdViewSet, PersonViewSet, RegionViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("households", HouseholdViewSet, basename="household")
router.register("people", PersonViewSet, basename="person")
router.register("problems", ProblemViewSet, basename="problem")
router.register("evidence", EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("token/", obtain_auth_token, name="api-token"),
    *router.urls,
]
