"""The deals API: customers, the catalog (read), deals and their lifecycle, quote previews,
approval steps, flags and job runs.

Views are thin: they pick the rows the user may see (`deals_visible_to`, the admin's own
selector), check the model permissions the admin checks, validate with a serializer and call
a service. A service's refusal (`DomainError`) becomes the matching 4xx in `core.api`.
"""

from __future__ import annotations

import django_filters
from django.db.models import F
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core import api
from core.api import ActionPermissions
from deals import approvals, flags, lifecycle
from deals.models import ApprovalStep, Customer, Deal, Flag, JobRun
from deals.selectors import customers_visible_to, deals_visible_to
from deals.serializers import (
    ApprovalStepSerializer,
    CloseSerializer,
    CustomerSerializer,
    DealSerializer,
    DealWriteSerializer,
    DecideSerializer,
    DecisionSerializer,
    FlagSerializer,
    JobRunSerializer,
    PlanVersionSerializer,
    PricingPlanSerializer,
    QuotePreviewSerializer,
    QuoteResultSerializer,
    WaiveSerializer,
    WorkUnitSerializer,
    deal_queryset,
    plan_version_queryset,
    volume_map,
)
from deals.services import customer_save, deal_create, deal_update
from pricing.engine import EngineInputError, compute_quote
from pricing.models import PricingPlan, WorkUnit

CONFLICT = OpenApiResponse(
    description="The deal or step is not in a state that allows this, or changed since it was read."
)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermissions]


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers, as the CRM knows them (`crm_id`)."""

    queryset = Customer.objects.order_by("name", "id")
    serializer_class = CustomerSerializer
    permission_classes = [ActionPermissions]
    required_perms = {
        "list": ("deals.view_customer",),
        "retrieve": ("deals.view_customer",),
        "create": ("deals.add_customer",),
        "partial_update": ("deals.change_customer",),
    }
    filterset_fields = ["segment", "crm_id"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return customers_visible_to(self.request.user, super().get_queryset())

    def perform_create(self, serializer):
        serializer.instance = customer_save(
            actor=self.request.user, customer=Customer(**serializer.validated_data)
        )

    def partial_update(self, request, pk=None):
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(customer, name, value)
        customer_save(actor=request.user, customer=customer)
        return Response(self.get_serializer(customer).data)


class WorkUnitViewSet(ReadOnlyViewSet):
    queryset = WorkUnit.objects.order_by("code")
    serializer_class = WorkUnitSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"  # a slug; anything else is a 404 before the database
    required_perms = {"list": ("pricing.view_workunit",), "retrieve": ("pricing.view_workunit",)}
    filterset_fields = ["attribution_defensible"]
    ordering_fields = ["code", "name"]


class PricingPlanViewSet(ReadOnlyViewSet):
    queryset = PricingPlan.objects.prefetch_related("versions").order_by("name", "id")
    serializer_class = PricingPlanSerializer
    required_perms = {
        "list": ("pricing.view_pricingplan", "pricing.view_planversion"),
        "retrieve": ("pricing.view_pricingplan", "pricing.view_planversion"),
    }
    filterset_fields = ["code", "currency"]
    ordering_fields = ["name", "code"]


class PlanVersionViewSet(ReadOnlyViewSet):
    """A plan version with its price components, tiers and risk adjustments."""

    queryset = plan_version_queryset().order_by("plan__name", "-number")
    serializer_class = PlanVersionSerializer
    version_perms = (
        "pricing.view_planversion",
        "pricing.view_pricecomponent",
        "pricing.view_pricetier",
        "pricing.view_riskadjustment",
    )
    required_perms = {"list": version_perms, "retrieve": version_perms}
    filterset_fields = ["plan", "status"]
    ordering_fields = ["number", "published_at"]


class DealFilter(api.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Deal.Status.choices)
    plan = api.IdFilter(field_name="plan_version__plan")
    gross_margin_below = api.DecimalFilter(field_name="gross_margin", lookup_expr="lt")
    net_monthly_min = api.DecimalFilter(field_name="net_monthly", lookup_expr="gte")
    updated_after = api.DateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Deal
        fields = ["status", "customer", "owner", "plan_version", "plan", "currency", "is_stale", "crm_id"]


@extend_schema_view(
    create=extend_schema(request=DealWriteSerializer, responses={201: DealSerializer}),
    partial_update=extend_schema(request=DealWriteSerializer, responses={200: DealSerializer, 409: CONFLICT}),
)
class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deals the user may see: a seller their own, a manager their team's, approvers all."""

    serializer_class = DealSerializer
    permission_classes = [ActionPermissions]
    required_perms = {
        "list": ("deals.view_deal",),
        "retrieve": ("deals.view_deal",),
        "create": ("deals.add_deal",),
        "partial_update": ("deals.change_deal",),
        "submit": ("deals.change_deal",),
        "close": ("deals.change_deal",),
        "quote_preview": ("deals.add_deal",),
    }
    filterset_class = DealFilter
    ordering_fields = [
        "name",
        "created_at",
        "updated_at",
        "submitted_at",
        "net_monthly",
        "gross_margin",
        "margin_p10",
        "total_contract_value",
    ]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return deal_queryset(deals_visible_to(self.request.user))

    def represent(self, deal: Deal, code=status.HTTP_200_OK) -> Response:
        """The deal as stored now, figures included (recomputed already when tasks run in-process)."""
        return Response(DealSerializer(self.get_queryset().get(pk=deal.pk)).data, status=code)

    def create(self, request):
        """A draft deal owned by the caller. Without cost lines, every priced work unit and cost
        category gets a line following the catalog."""
        serializer = DealWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        volumes = fields.pop("volumes", [])
        cost_lines = fields.pop("cost_lines", None)
        deal = deal_create(
            customer=fields.pop("customer"),
            name=fields.pop("name"),
            plan_version=fields.pop("plan_version"),
            owner=request.user,
            actor=request.user,
            volumes=volume_map(volumes),
            cost_lines=cost_lines,
            **fields,
        )
        return self.represent(deal, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Edit as the owner. An edit of a judged input (price fields, volumes, cost lines, customer,
        owner, rollback path) of a submitted or approved deal sends it back to draft and voids its
        approvals. `volumes` and `cost_lines`, when sent, replace all rows."""
        deal = self.get_object()
        serializer = DealWriteSerializer(deal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        volumes = fields.pop("volumes", None)
        cost_lines = fields.pop("cost_lines", None)
        deal_update(
            deal_id=deal.pk,
            actor=request.user,
            fields=fields,
            volumes=None if volumes is None else volume_map(volumes),
            cost_lines=cost_lines,
        )
        return self.represent(deal)

    @extend_schema(operation_id="deals_submit", request=None, responses={200: DealSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit for approval; refused with every reason listed unless the deal is ready."""
        deal = self.get_object()
        lifecycle.submit(deal_id=deal.pk, actor=request.user)
        return self.represent(deal)

    @extend_schema(
        operation_id="deals_close", request=CloseSerializer, responses={200: DealSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an approved deal as won or lost."""
        deal = self.get_object()
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lifecycle.close(deal_id=deal.pk, actor=request.user, won=serializer.validated_data["won"])
        return self.represent(deal)

    @extend_schema(
        operation_id="deals_quote_preview",
        request=QuotePreviewSerializer,
        responses={200: QuoteResultSerializer},
    )
    @action(
        detail=False, methods=["post"], url_path="quote-preview", filter_backends=[], pagination_class=None
    )
    def quote_preview(self, request):
        """Price and margin of a draft, with the simulation, from the catalog as it is now.
        Nothing is saved."""
        serializer = QuotePreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = compute_quote(serializer.quote_input())
        except EngineInputError as error:
            raise serializers.ValidationError(error.errors) from None
        return Response(QuoteResultSerializer(result).data)


class ApprovalStepFilter(api.FilterSet):
    group = django_filters.CharFilter(field_name="group__name")

    class Meta:
        model = ApprovalStep
        fields = ["deal", "status", "group"]


class ApprovalStepViewSet(ReadOnlyViewSet):
    """Approval steps of the deals the user may see; approvers decide the pending ones."""

    serializer_class = ApprovalStepSerializer
    required_perms = {
        "list": ("deals.view_approvalstep",),
        "retrieve": ("deals.view_approvalstep",),
        "decide": ("deals.view_approvalstep",),
    }
    filterset_class = ApprovalStepFilter
    ordering_fields = ["created_at", "order", "decided_at"]
    ordering = ["deal_id", "order", "id"]

    def get_queryset(self):
        return (
            ApprovalStep.objects.filter(deal__in=deals_visible_to(self.request.user).values("pk"))
            .select_related("group", "decision__actor")
            .annotate(snapshot_hash=F("snapshot__hash"))
        )

    @extend_schema(
        operation_id="approval_steps_decide",
        request=DecideSerializer,
        responses={201: DecisionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request, pk=None):
        """Approve, reject or request changes on a pending step of your group. Exactly one
        decision counts: a step already decided, or a deal changed since `seen_hash`, is a 409."""
        step = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = approvals.decide(step_id=step.pk, actor=request.user, **serializer.validated_data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class FlagViewSet(ReadOnlyViewSet):
    """Flags on the deals the user may see; a manager waives an open one with a reason."""

    serializer_class = FlagSerializer
    required_perms = {
        "list": ("deals.view_flag",),
        "retrieve": ("deals.view_flag",),
        "waive": ("deals.view_flag", "deals.change_flag"),
    }
    filterset_fields = ["deal", "status", "reason"]
    ordering_fields = ["opened_at", "resolved_at"]
    ordering = ["opened_at", "id"]

    def get_queryset(self):
        return Flag.objects.filter(deal__in=deals_visible_to(self.request.user).values("pk")).select_related(
            "deal", "assigned_to", "waived_by"
        )

    @extend_schema(operation_id="flags_waive", request=WaiveSerializer, responses={200: FlagSerializer})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def waive(self, request, pk=None):
        """Waive an open flag of your team's deals until the deal's price changes."""
        flag = self.get_object()
        serializer = WaiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flags.flag_waive(flag_id=flag.pk, actor=request.user, **serializer.validated_data)
        return Response(FlagSerializer(self.get_queryset().get(pk=flag.pk)).data)


class JobRunViewSet(ReadOnlyViewSet):
    queryset = JobRun.objects.all()
    serializer_class = JobRunSerializer
    required_perms = {"list": ("deals.view_jobrun",), "retrieve": ("deals.view_jobrun",)}
    filterset_fields = ["job", "status"]
    ordering_fields = ["started_at", "finished_at"]
    ordering = ["-started_at", "-id"]


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
def not_found(request, path):
    """Any other path under the API: a 404 in the API's error shape, not an HTML page."""
    raise exceptions.NotFound()
