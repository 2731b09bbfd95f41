"""Where an instance keeps its files (``var/``: the SQLite database, attachments), and their modes.

The home never depends on the current directory: ``villagebooks export-ledger`` run from another
folder must read the same database and attachments as the server, not create a stray database
where it happens to be. ``VILLAGEBOOKS_HOME`` names it; without it, a source checkout (the editable
install of ``make demo`` and ``make test``) keeps ``var/`` in the repository, and an installed
package in the user's data folder (``$XDG_DATA_HOME/villagebooks``, else
``~/.local/share/villagebooks``).

The books are not for other accounts of the machine: ``var/`` is made ``0700`` and the SQLite
file ``0600`` before SQLite first opens it (SQLite gives its ``-wal`` and ``-shm`` files the
mode of the database file). This module imports nothing of Django: settings use it.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
VAR_MODE = 0o700
DATABASE_MODE = 0o600


def instance_home(environ: os._Environ | dict = os.environ) -> Path:
    """The instance's home folder, which holds ``var/`` (see the module's docstring)."""
    if environ.get("VILLAGEBOOKS_HOME"):
        return Path(environ["VILLAGEBOOKS_HOME"]).expanduser().resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout
    data = Path(environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return (data / "villagebooks").resolve()


def private_directory(path: Path) -> None:
    """Make ``path`` (and missing parents) if need be; a folder this makes is its owner's only."""
    if not path.exists():
        path.mkdir(mode=VAR_MODE, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask; chmod is not.
        os.chmod(path, VAR_MODE)


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite database file readable by its owner only, or tighten one made before.

    An empty file is a valid new database to SQLite, which then gives the ``-wal`` and ``-shm``
    files it creates the same mode.
    """
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, DATABASE_MODE)
    except OSError:
        return  # not ours to create (a read-only copy): SQLite will say what is wrong
    os.close(descriptor)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if name.exists() and name.stat().st_mode & 0o077 and name.stat().st_uid == os.getuid():
                os.chmod(name, DATABASE_MODE)
        except OSError:
            pass  # another user's file: leave it as its owner made it
