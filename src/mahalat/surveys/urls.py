from __future__ import annotations

from django.urls import URLPattern, path, re_path

from mahalat.surveys import views

app_name = "surveys"

urlpatterns: list[URLPattern] = [
    path("n/<slug:slug>/surveys/", views.neighborhood_surveys, name="neighborhood"),
    path("surveys/<int:pk>/", views.answer, name="answer"),
    path("surveys/<int:pk>/thanks/", views.thanks, name="thanks"),
    path("surveys/<int:pk>/results/", views.results, name="results"),
    path("surveys/<int:pk>/results/propose/", views.propose_need, name="propose"),
    path("workspace/surveys/", views.staff_list, name="staff-list"),
    path("workspace/surveys/new/", views.staff_create, name="staff-create"),
    path("workspace/surveys/<int:pk>/", views.staff_detail, name="staff-detail"),
    path(
        "workspace/surveys/<int:pk>/questions/<int:question_id>/", views.question_edit, name="question-edit"
    ),
    path(
        "workspace/surveys/<int:pk>/questions/<int:question_id>/delete/",
        views.question_delete,
        name="question-delete",
    ),
    re_path(
        r"^workspace/surveys/(?P<pk>[0-9]+)/(?P<action>open|close)/$",
        views.staff_transition,
        name="staff-transition",
    ),
]
