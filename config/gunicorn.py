"""gunicorn's settings for the web process (`gunicorn -c config/gunicorn.py`, the Procfile's).

gunicorn turns `X-Forwarded-Proto: https` from the addresses in `forwarded_allow_ips` (by default
127.0.0.1) into an HTTPS request, and Django then answers with HSTS and secure redirects. That
header is only trustworthy behind a proxy that overwrites it, which `DJANGO_BEHIND_TLS_PROXY`
says (as it does for Django's own `SECURE_PROXY_SSL_HEADER`); otherwise nobody is trusted.
"""

import os

from config.settings import env_bool

trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
forwarded_allow_ips = trusted if env_bool("DJANGO_BEHIND_TLS_PROXY") else ""
