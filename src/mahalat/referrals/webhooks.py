"""Machine-to-machine delivery of referrals to agencies with their own systems: signed webhooks.

Every change of a referral addressed to an agency whose delivery is on becomes one `WebhookDelivery`
row, written in the change's transaction; it is POSTed after the commit and retried with backoff by a
periodic job until the agency's system answers 2xx.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from mahalat.referrals.models import Referral, WebhookDelivery


def referral_payload(referral: Referral, *, event: str) -> dict[str, Any]:
    """What an agency's system receives about a referral: never the reporter's contact details unless
    the sender chose to share them."""
    report = referral.report if referral.report_id else None
    contact = None
    if report is not None and referral.share_reporter_contact:
        reporter = report.reporter
        contact = {
            "name": reporter.full_name if reporter else "",
            "phone": reporter.phone if reporter else report.reporter_phone,
        }
    return {
        "event": event,
        "referral": {
            "id": referral.pk,
            "state": referral.state,
            "subject": referral.subject,
            "note": referral.note,
            "source": referral.source_kind,
            "report": report.tracking_code if report else None,
            "resolution": referral.resolution_id,
            "district": referral.district.slug,
            "neighborhood": referral.neighborhood.slug if referral.neighborhood_id else None,
            "category": referral.category.slug if referral.category_id else None,
            "location": {"lat": report.lat, "lng": report.lng, "address": report.address} if report else None,
            "sent_at": referral.sent_at,
            "acknowledge_due_at": referral.acknowledge_due_at,
            "answer_due_at": referral.answer_due_at,
            "finish_due_at": referral.finish_due_at,
            "reporter_contact": contact,
        },
    }


def webhook_enqueue(*, referral: Referral, event: str, now: datetime) -> WebhookDelivery | None:
    """In the change's transaction: one delivery to the target agency's system, if it takes them."""
    agency = referral.target_agency if referral.target_agency_id else None
    if agency is None or not agency.webhook_active or not agency.webhook_url:
        return None
    body = json.dumps(referral_payload(referral, event=event), cls=DjangoJSONEncoder, ensure_ascii=False)
    return WebhookDelivery.objects.create(
        agency=agency,
        referral=referral,
        event=event,
        url=agency.webhook_url,
        body=body,
        next_attempt_at=now,
        created_at=now,
    )
