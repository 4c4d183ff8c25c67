"""The WSGI application: Django, with anonymous reads of a cached published item answered in
front of it (``bureau.catalog.reads.ItemReads``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from bureau.catalog.reads import ItemReads  # noqa: E402 - needs the settings configured

application = ItemReads(django_application)
