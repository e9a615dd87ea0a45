from django.urls import path

from mahalat.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit-log"),
    path("neighborhoods/<slug:slug>/profile/", views.identity_profile_edit, name="identity-profile"),
    path("<slug:slug>/", views.space, name="space"),
]
