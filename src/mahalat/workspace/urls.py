from django.urls import path, re_path

from mahalat.workspace import inbox, views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit-log"),
    path("today/", views.today, name="today"),
    path("neighborhoods/<slug:slug>/profile/", views.identity_profile_edit, name="identity-profile"),
    path("neighborhoods/<slug:slug>/photos/", views.identity_photo_add, name="identity-photo-add"),
    path(
        "neighborhoods/<slug:slug>/photos/<int:photo_id>/remove/",
        views.identity_photo_remove,
        name="identity-photo-remove",
    ),
    path("identity-reviews/", views.identity_reviews, name="identity-reviews"),
    re_path(
        r"^identity-revisions/(?P<revision_id>[0-9]+)/(?P<action>publish|reject|withdraw)/$",
        views.identity_revision_act,
        name="identity-revision",
    ),
    re_path(
        r"^identity-photos/(?P<photo_id>[0-9]+)/(?P<action>publish|reject)/$",
        views.identity_photo_review,
        name="identity-photo-review",
    ),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox-bulk"),
    re_path(r"^inbox/(?P<tracking_code>[0-9]{6,12})/$", inbox.inbox_report, name="inbox-report"),
    re_path(r"^inbox/(?P<tracking_code>[0-9]{6,12})/photos/$", inbox.inbox_photo_add, name="inbox-photo"),
    re_path(
        r"^inbox/(?P<tracking_code>[0-9]{6,12})/comments/(?P<comment_id>[0-9]+)/hide/$",
        inbox.inbox_comment_hide,
        name="inbox-comment-hide",
    ),
    path("<slug:slug>/", views.space, name="space"),
]
