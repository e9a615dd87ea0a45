from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from mahalat.audit.models import AppendOnlyError, Event
from mahalat.audit.services import event_record
from tests.factories import NeighborhoodFactory, UserFactory


@pytest.fixture
def event(db: None) -> Event:
    nbhd = NeighborhoodFactory()
    return event_record(actor=None, action="test.thing.done", obj=nbhd, before={"a": 1}, after={"a": 2})


def test_event_carries_scope_from_the_object(event: Event) -> None:
    nbhd = NeighborhoodFactory._meta.model.objects.get(pk=int(event.object_id))
    assert (event.city_id, event.district_id, event.neighborhood_id) == (
        nbhd.city_id,
        nbhd.district_id,
        nbhd.pk,
    )
    assert event.object_type == "territory.neighborhood"


def test_events_cannot_be_changed_through_the_orm(event: Event) -> None:
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).note == ""


def test_the_database_refuses_updates(event: Event) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET note = 'x' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).note == ""


def test_the_database_refuses_deletes_on_postgresql(event: Event) -> None:
    if connection.vendor != "postgresql":
        # On SQLite deletes are refused by the model and queryset (test above); assert the trigger set.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
            assert {row[0] for row in cursor.fetchall()} == {"audit_event_no_update"}
        return
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


def test_admin_is_read_only(event: Event) -> None:
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    assert client.get(f"/admin/audit/event/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/event/add/").status_code == 403
    response = client.post(f"/admin/audit/event/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_request_id_is_recorded_and_echoed(db: None) -> None:
    from mahalat.accounts.models import User

    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "سارا",
            "phone": "09129990000",
            "password1": "Good-pass-1405x",
            "password2": "Good-pass-1405x",
        },
        HTTP_X_REQUEST_ID="req-abcdef123456",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abcdef123456"
    user = User.objects.get(phone="+989129990000")
    assert (
        Event.objects.get(action="accounts.user.registered", object_id=str(user.pk)).request_id
        == "req-abcdef123456"
    )
