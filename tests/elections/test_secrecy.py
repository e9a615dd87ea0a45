"""The secret ballot: nothing in the schema, the database, the audit log, the outbox or the logs links a
voter to a choice, and nobody — staff included — reads the counts before the polls close."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from mahalat.audit.models import Event
from mahalat.elections import services
from mahalat.elections.models import Ballot, Candidate
from mahalat.elections.selectors import election_candidates
from mahalat.notifications.models import Notification

pytestmark = pytest.mark.django_db

USER_MODEL = settings.AUTH_USER_MODEL.lower()


def _points_to(field: models.Field, label: str) -> bool:
    return bool(field.is_relation and field.related_model and field.related_model._meta.label_lower == label)


def test_no_model_links_a_person_to_a_candidate_choice() -> None:
    """No table has both a link to a person and a link to a candidate (or a "choice" of one)."""
    offenders = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.get_fields() if getattr(f, "concrete", False)]
        to_user = [f for f in fields if _points_to(f, USER_MODEL)]
        to_choice = [
            f
            for f in fields
            if _points_to(f, "elections.candidate") or "choice" in f.name or "candidate" in f.name
        ]
        if to_user and to_choice:
            offenders.append(model._meta.label)
    assert offenders == []


def test_the_poll_book_holds_no_choice_and_no_time() -> None:
    fields = {f.name: f for f in Ballot._meta.concrete_fields}
    assert set(fields) == {"id", "election", "voter", "voted_on"}
    assert type(fields["voted_on"]) is models.DateField  # a day, never a moment
    assert not any(isinstance(f, models.DateTimeField | models.TimeField) for f in fields.values())
    # Nor does any model hang a many-to-many of candidates off the poll book.
    assert not [f for f in Ballot._meta.get_fields() if f.many_to_many]


def _everything() -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every table, serialized, by model and primary key."""
    dump: dict[str, dict[Any, dict[str, Any]]] = {}
    for model in apps.get_models():
        rows = serializers.serialize("python", model._default_manager.order_by("pk"))
        dump[model._meta.label_lower] = {row["pk"]: row["fields"] for row in rows}
    return dump


def test_casting_ballots_writes_the_poll_book_and_the_counters_only(poll, caplog) -> None:
    poll.open()
    candidates = list(Candidate.objects.filter(election=poll.election).order_by("id"))
    before = _everything()
    events, notes = Event.objects.count(), Notification.objects.count()
    choices = [[candidates[0].pk, candidates[1].pk], [candidates[1].pk], [candidates[3].pk]]
    with caplog.at_level(logging.DEBUG):
        for voter, picks in zip(poll.voters, choices, strict=True):
            services.ballot_cast(actor=voter, election=poll.election, candidate_ids=picks)
    after = _everything()

    assert Event.objects.count() == events, "casting a ballot records no audit event"
    assert Notification.objects.count() == notes, "casting a ballot sends no notification"
    changed = {label for label in after if after[label] != before[label]}
    assert changed == {"elections.ballot", "elections.candidate"}
    # The candidates' rows changed in their counters and nothing else.
    for pk, row in after["elections.candidate"].items():
        assert {k: v for k, v in row.items() if k != "votes"} == {
            k: v for k, v in before["elections.candidate"][pk].items() if k != "votes"
        }
    # The poll book's new rows name the election, the voter and the day: no candidate, no choice.
    new_ballots = [
        row for pk, row in after["elections.ballot"].items() if pk not in before["elections.ballot"]
    ]
    assert len(new_ballots) == 3
    assert all(set(row) == {"election", "voter", "voted_on"} for row in new_ballots)
    # Nothing the program logged while voting names a candidate.
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "candidate" not in logged.lower()
    for c in candidates:
        assert c.user.full_name not in logged


def test_counts_are_hidden_before_the_close_for_everyone(poll) -> None:
    poll.open()
    first = Candidate.objects.filter(election=poll.election).order_by("id").first()
    services.ballot_cast(actor=poll.voters[0], election=poll.election, candidate_ids=[first.pk])
    with CaptureQueriesContext(connection) as queries:
        rows = election_candidates(election=poll.election)
    assert rows and all(r.votes is None and r.rank is None and not r.is_elected for r in rows)
    assert not any('"votes"' in q["sql"] for q in queries.captured_queries), "the counters are not even read"
    poll.close()
    rows = election_candidates(election=poll.election)
    assert sorted(r.votes for r in rows) == [0, 0, 0, 1]
