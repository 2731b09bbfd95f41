"""The door through which the pure domain (``ledger/domain``) reaches the message catalogue.

The domain core imports nothing of Django (tests/test_layers.py), yet its messages are read by
users in their own language. It takes ``gettext_lazy`` from here: a lazy text is a msgid of
``villagebooks/locale`` that turns into the active language's text only when it is formatted or
shown, so a module-level constant defined at import time still speaks the language of the request
that raises it. Nothing is looked up (and no setting is read) until then.
"""

from django.utils.translation import gettext_lazy

__all__ = ["gettext_lazy"]
