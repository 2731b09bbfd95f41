"""Where the reading process of an import done apart starts (see ``apart``).

``python -m villagebooks.ledger.importing.reader_start FD``: FD is this end of a pipe
(``multiprocessing.connection``) whose first message says what to read and for whom; the
settings module and the database come with the environment. A plain new interpreter, not ``multiprocessing``'s spawn, which would run the
caller's main script again in it (a script without an ``if __name__ == "__main__"`` guard
would import all over again). A module of its own because no model may be imported before
Django is set up (which is also why the package's ``__init__`` imports nothing eagerly).
"""

import sys
import traceback
from multiprocessing.connection import Connection


def main(fd: int) -> None:
    channel = Connection(fd)
    try:
        arguments = channel.recv()
        import django

        django.setup()
        from villagebooks.ledger.importing.apart import read_apart
    except BaseException:  # the writing process must hear why, not only that the pipe closed
        channel.send(("crashed", traceback.format_exc(limit=-3)))
        channel.close()
        # It tells the user, once, in Chinese; a traceback here would reach the user's terminal.
        raise SystemExit(1) from None
    read_apart(channel, *arguments)


if __name__ == "__main__":
    main(int(sys.argv[1]))
