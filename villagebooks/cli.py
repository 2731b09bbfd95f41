"""The ``villagebooks`` console command: Django's manage.py for this project.

Commands are written with hyphens (``villagebooks import-vouchers``) as the documentation and
scripts use them; Python modules cannot be, so a hyphenated name is mapped to the module's
underscore name before Django looks it up.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    from django.core.management import execute_from_command_line

    argv = list(argv if argv is not None else sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
