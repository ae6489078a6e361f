from django.urls import path

from workspace import views

app_name = "workspace"
urlpatterns = [
    path("seller/", views.deal_list, name="home"),
    path("seller/deals/", views.deal_list, name="deals"),
    path("seller/deals.csv", views.deal_list_csv, name="deals_csv"),
    path("seller/deals/new/", views.deal_new, name="new"),
    path("seller/deals/<int:deal_id>/", views.deal_page, name="deal"),
    path("seller/deals/<int:deal_id>/edit/", views.deal_edit, name="edit"),
    path("seller/deals/<int:deal_id>/submit/", views.deal_submit, name="submit"),
    path("seller/deals/<int:deal_id>/close/", views.deal_close, name="close"),
]
