"""The Celery application: settings under the CELERY_ namespace, tasks in apps/<app>/tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")

app = Celery("cnilcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
