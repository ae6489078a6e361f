"""An admin base whose writes go through the audited services: every create, change and delete
made on its page or in its inlines leaves an audit row with the values before and after."""

from django.contrib import admin

from core.audit import audited_delete, audited_save


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through `audited_save` / `audited_delete`; an admin whose table has its
    own service overrides `save_model` to call it. Nothing is kept on the instance between requests."""

    def save_model(self, request, obj, form, change):
        audited_save(actor=request.user, instance=obj)

    def delete_model(self, request, obj):
        audited_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited one by one, as on their own pages."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audited_delete(actor=request.user, instance=obj)
        for obj in instances:
            audited_save(actor=request.user, instance=obj)
        formset.save_m2m()
