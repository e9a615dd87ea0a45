from __future__ import annotations

from django.urls import URLPattern, path

from mahalat.policies import views

app_name = "policies"

urlpatterns: list[URLPattern] = [
    path("policies/", views.policy_list, name="list"),
    path("policies/new/", views.policy_create, name="create"),
    path("policies/<int:pk>/", views.policy_detail, name="detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="edit"),
    path("policies/<int:pk>/publish/", views.policy_publish, name="publish"),
    path("policies/<int:pk>/withdraw/", views.policy_withdraw, name="withdraw"),
    path("policies/<int:pk>/acknowledge/", views.policy_acknowledge, name="acknowledge"),
    path("policies/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
