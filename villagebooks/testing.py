"""What the test run sets before Django starts (pyproject's ``-p villagebooks.testing``).

Settings refuse to start without a secret key outside DEBUG, as production must; pytest-django
reads the settings before any conftest.py, so the key is set here, in a plugin pytest loads
first. The processes the tests start inherit it.
"""

import os
import secrets

os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "test-only-" + secrets.token_urlsafe(40))
