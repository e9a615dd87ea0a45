"""WSGI entry point (gunicorn mahalat.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")

application = get_wsgi_application()
