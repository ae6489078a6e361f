from django.urls import path
from django.views.generic import RedirectView

from deals import manager_views

app_name = "manager"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="manager:flags", permanent=False)),
    path("flags/", manager_views.flag_list, name="flags"),
    path("flags/<int:flag_id>/assign/", manager_views.flag_assign_view, name="flag_assign"),
    path("flags/<int:flag_id>/waive/", manager_views.flag_waive_view, name="flag_waive"),
]
