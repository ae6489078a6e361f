import os

from django.core.wsgi import get_wsgi_application

from config.memory import keep_freed_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
keep_freed_memory()  # quote previews simulate in the web process
application = get_wsgi_application()
