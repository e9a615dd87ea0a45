from django.urls import path

from mahalat.elections import views

app_name = "elections"

urlpatterns = [
    # Public and personal pages
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/apply/", views.call_apply, name="apply"),
    path("my/applications/", views.my_applications, name="my-applications"),
    path("my/applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    path("applications/documents/<int:pk>/", views.document_download, name="document"),
    path("residency/", views.residency, name="residency"),
    path("elections/<int:pk>/", views.election_detail, name="election"),
    # The district's staff pages
    path("workspace/calls/", views.staff_calls, name="staff-calls"),
    path("workspace/calls/new/", views.staff_call_edit, name="staff-call-new"),
    path("workspace/calls/<int:pk>/", views.staff_call, name="staff-call"),
    path("workspace/calls/<int:pk>/edit/", views.staff_call_edit, name="staff-call-edit"),
    path("workspace/calls/<int:pk>/transition/", views.staff_call_transition, name="staff-call-transition"),
    path(
        "workspace/calls/<int:pk>/elections/", views.staff_election_schedule, name="staff-election-schedule"
    ),
    path("workspace/applications/<int:pk>/", views.staff_application, name="staff-application"),
    path(
        "workspace/applications/<int:pk>/review/",
        views.staff_application_review,
        name="staff-application-review",
    ),
    path("workspace/residency/", views.staff_residency, name="staff-residency"),
    path("workspace/residency/<int:pk>/", views.staff_residency_review, name="staff-residency-review"),
    path("workspace/elections/", views.staff_elections, name="staff-elections"),
    path("workspace/elections/<int:pk>/", views.staff_election, name="staff-election"),
    path(
        "workspace/elections/<int:pk>/transition/",
        views.staff_election_transition,
        name="staff-election-transition",
    ),
]
