"""Password rules beyond Django's own: only the wording of one of them.

Django 5.2's zh-hans catalogue has no translation of the minimum-length message (it reworded
it), so the weak-password error would be the one English sentence among Chinese ones. The rule
itself stays Django's.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
