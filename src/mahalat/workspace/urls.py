from django.urls import path

from mahalat.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit-log"),
    path("neighborhoods/<slug:slug>/profile/", views.identity_profile_edit, name="identity-profile"),
    path("neighborhoods/<slug:slug>/photos/", views.identity_photo_add, name="identity-photo-add"),
    path(
        "neighborhoods/<slug:slug>/photos/<int:photo_id>/remove/",
        views.identity_photo_remove,
        name="identity-photo-remove",
    ),
    path("<slug:slug>/", views.space, name="space"),
]
