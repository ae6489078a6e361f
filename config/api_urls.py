"""Routes of the API, mounted under /api/v1/: every app's endpoints on one router."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from deals import api
from pricing import api as pricing_api
from proofs import api as proofs_api

router = SimpleRouter()
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("work-units", api.WorkUnitViewSet, basename="work-unit")
router.register("plans", api.PricingPlanViewSet, basename="plan")
router.register("plan-versions", api.PlanVersionViewSet, basename="plan-version")
router.register("model-rates", pricing_api.ModelRateViewSet, basename="model-rate")
router.register("cost-components", pricing_api.CostComponentViewSet, basename="cost-component")
router.register("deals", api.DealViewSet, basename="deal")
router.register("approval-steps", api.ApprovalStepViewSet, basename="approval-step")
router.register("flags", api.FlagViewSet, basename="flag")
router.register("job-runs", api.JobRunViewSet, basename="job-run")
router.register("artifacts", proofs_api.ArtifactViewSet, basename="artifact")

urlpatterns = [
    *router.urls,
    path("performed-work/", proofs_api.PerformedWorkIngestView.as_view(), name="performed-work"),
    re_path(r"^(?P<path>.*)$", api.not_found),
]
