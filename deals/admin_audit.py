"""An admin base that audits every create, change and delete with before and after values."""

from django.contrib import admin

from deals import services


class AuditedAdmin(admin.ModelAdmin):
    """Every create, change and delete made here is audited with before and after values."""

    def _values(self, obj):
        return services.snapshot_of(obj, [f.name for f in obj._meta.concrete_fields if f.name != "id"])

    def save_model(self, request, obj, form, change):
        before = self._values(type(obj).objects.get(pk=obj.pk)) if change else None
        self.persist(request, obj, form, change)
        services.audit_change(
            actor=request.user,
            instance=obj,
            action=f"{obj._meta.model_name}_{'changed' if change else 'created'}",
            before=before,
            after=self._values(obj),
        )

    def persist(self, request, obj, form, change):
        """The write itself; an admin whose writes go through a service overrides this."""
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.audit_change(
            actor=request.user,
            instance=obj,
            action=f"{obj._meta.model_name}_deleted",
            before=self._values(obj),
            after=None,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
