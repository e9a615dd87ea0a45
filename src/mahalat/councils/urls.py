from django.urls import path

from mahalat.councils import views

app_name = "councils"

W = "workspace/councils/<int:council_id>/"

urlpatterns = [
    path("n/<slug:slug>/council/", views.public, name="public"),
    path(W, views.workspace, name="workspace"),
    path(W + "manage/", views.manage, name="manage"),
    path(W + "transition/", views.transition, name="transition"),
    path(W + "renew/", views.renew, name="renew"),
    path(W + "members/", views.seat, name="seat"),
    path(W + "members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path(W + "members/<int:membership_id>/end/", views.member_end, name="member-end"),
    path(W + "members/<int:membership_id>/replace/", views.member_replace, name="member-replace"),
    path(W + "members/<int:membership_id>/resign/", views.resign, name="resign"),
    path(W + "working-groups/", views.working_group_save, name="working-group-save"),
    path(
        W + "working-groups/<int:group_id>/members/",
        views.working_group_members,
        name="working-group-members",
    ),
    path("workspace/districts/<slug:slug>/councils/", views.district_health, name="district-health"),
    path("workspace/districts/<slug:slug>/councils/form/", views.form_council, name="form-council"),
    path("workspace/seat-templates/", views.seat_templates, name="seat-templates"),
    path("workspace/seat-templates/<int:template_id>/", views.seat_templates, name="seat-template"),
    path("workspace/council-policy/", views.council_policy, name="policy"),
]
