from django.urls import path

from bureau.catalog import views, views_mine

app_name = "catalog"
urlpatterns = [
    path("items/", views.browse, name="browse"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/mine/", views_mine.my_items, name="mine"),
    path("items/import/", views.import_page, name="import"),
    path("items/import/template.<str:fmt>", views.import_template, name="import_template"),
    path("items/hs/", views.hs_suggest, name="hs_suggest"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/<slug:action>/", views.item_action, name="item_action"),
    path("moderation/", views.moderation, name="moderation"),
]
