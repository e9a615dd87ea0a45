"""The Celery application: background and periodic work.

Run a worker with the periodic scheduler built in (one such process per installation; scale out with
more plain workers):

    celery -A mahalat worker -B --loglevel=INFO

Configuration comes from the Django settings prefixed CELERY_. Without REDIS_URL (the embedded
default) tasks run in-process at once and no worker is needed; the periodic jobs then need a worker
or their management commands (`manage.py deliver_notifications --loop`).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")

app = Celery("mahalat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
