"""Where the reading process of an import done apart starts (see ``import_process``).

A module of its own because a new interpreter imports the target's module before anything else,
and no model may be imported before Django is set up.
"""

import os
import traceback


def start(channel, settings_module: str, *arguments) -> None:
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django

        django.setup()
        from villagebooks.ledger.import_process import read_apart
    except BaseException:  # the writing process must hear why, not only that the pipe closed
        channel.send(("crashed", traceback.format_exc(limit=-3)))
        channel.close()
        raise
    read_apart(channel, *arguments)
