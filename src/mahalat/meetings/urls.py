from django.urls import path

from mahalat.meetings import views

app_name = "meetings"

urlpatterns = [
    # Public
    path("n/<slug:slug>/meetings/", views.public_list, name="public-list"),
    path("meetings/<int:pk>/", views.public_detail, name="public"),
    path("meetings/<int:pk>/invite.ics", views.invite_ics, name="ics"),
    path("meetings/<int:pk>/minutes.pdf", views.minutes_pdf_view, name="minutes-pdf"),
    path("meetings/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    # Staff: a council's meetings and proposals
    path("workspace/councils/<int:council_id>/meetings/", views.council_meetings, name="council"),
    path("workspace/councils/<int:council_id>/meetings/schedule/", views.schedule, name="schedule"),
    path("workspace/councils/<int:council_id>/meetings/series/", views.schedule_series, name="series"),
    path("workspace/councils/<int:council_id>/meetings/propose/", views.propose, name="propose"),
    # Staff: running one meeting
    path("workspace/meetings/<int:pk>/", views.manage, name="manage"),
    path("workspace/meetings/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("workspace/meetings/<int:pk>/transition/", views.transition, name="transition"),
    path("workspace/meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("workspace/meetings/<int:pk>/guests/", views.guest_add, name="guest-add"),
    path("workspace/meetings/<int:pk>/agenda/", views.place_item, name="place-item"),
    path("workspace/meetings/<int:pk>/minutes/", views.minutes_edit, name="minutes-edit"),
    path(
        "workspace/meetings/<int:pk>/minutes/transition/", views.minutes_transition, name="minutes-transition"
    ),
    path("workspace/agenda/<int:pk>/transition/", views.item_transition, name="item-transition"),
    path("workspace/agenda/<int:pk>/move/", views.item_move, name="item-move"),
    path("workspace/agenda/<int:pk>/attachments/", views.item_attach, name="item-attach"),
    path("workspace/agenda/<int:pk>/vote/", views.item_vote, name="item-vote"),
    path("workspace/agenda/<int:pk>/resolution/", views.item_resolution, name="item-resolution"),
]
