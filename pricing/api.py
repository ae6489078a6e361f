"""Finance's side of the API: dated model rates and catalog costs. Each write goes through the
same service as the admin's (audited, the affected deals marked stale and recomputed)."""

from __future__ import annotations

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core import api
from core.api import ActionPermissions
from pricing import services
from pricing.models import CostComponent, ModelRate, WorkUnit


class ModelRateSerializer(api.ModelSerializer):
    deals_marked_stale = serializers.SerializerMethodField()

    class Meta:
        model = ModelRate
        fields = [
            "id",
            "model_name",
            "input_per_million",
            "output_per_million",
            "cached_input_per_million",
            "currency",
            "effective_from",
            "deals_marked_stale",
        ]
        read_only_fields = ["id"]

    def get_deals_marked_stale(self, rate) -> int | None:
        return self.context.get("deals_marked_stale")


class CostComponentSerializer(api.ModelSerializer):
    work_unit = serializers.SlugRelatedField(slug_field="code", queryset=WorkUnit.objects.all())
    deals_marked_stale = serializers.SerializerMethodField()

    class Meta:
        model = CostComponent
        fields = [
            "id",
            "work_unit",
            "category",
            "expected_unit_cost",
            "cv",
            "model_name",
            "input_tokens_per_unit",
            "cached_input_tokens_per_unit",
            "output_tokens_per_unit",
            "notes",
            "deals_marked_stale",
        ]
        read_only_fields = ["id", "work_unit", "category"]

    def get_deals_marked_stale(self, component) -> int | None:
        return self.context.get("deals_marked_stale")


class ModelRateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Dated token prices per model; a new rate recomputes the deals whose model cost follows it."""

    queryset = ModelRate.objects.order_by("model_name", "-effective_from", "-id")
    serializer_class = ModelRateSerializer
    permission_classes = [ActionPermissions]
    required_perms = {
        "list": ("pricing.view_modelrate",),
        "retrieve": ("pricing.view_modelrate",),
        "create": ("pricing.add_modelrate",),
    }
    filterset_fields = ["model_name", "currency"]

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate = ModelRate(**serializer.validated_data)
        touched = services.model_rate_save(actor=request.user, rate=rate)
        body = ModelRateSerializer(rate, context={"deals_marked_stale": touched}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CostComponentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalog's expected cost per work unit and category; a change recomputes the deals
    whose cost line follows it."""

    queryset = CostComponent.objects.select_related("work_unit").order_by("work_unit__code", "category")
    serializer_class = CostComponentSerializer
    permission_classes = [ActionPermissions]
    required_perms = {
        "list": ("pricing.view_costcomponent",),
        "retrieve": ("pricing.view_costcomponent",),
        "partial_update": ("pricing.change_costcomponent",),
    }
    filterset_fields = ["category", "work_unit__code"]

    def partial_update(self, request, pk=None):
        component = self.get_object()
        serializer = self.get_serializer(component, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(component, name, value)
        touched = services.cost_component_save(actor=request.user, component=component)
        return Response(CostComponentSerializer(component, context={"deals_marked_stale": touched}).data)
