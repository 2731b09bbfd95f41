"""Operations: backups of the whole database, their restore, and checksums that compare two databases.

The app knows tables, files and the database engines, not the books: after a restore it runs the
``migrate`` and ``verify`` commands by name, so it imports no other app of the project.
"""
