"""Stand-ins for the reading process's start (``import_reader_start.start``) that fail.

No Django import here: a new interpreter imports this module before Django is set up.
"""

import os


def dies_silently(channel, *arguments):
    os._exit(3)  # as if killed: the pipe closes without a word


def crashes(channel, *arguments):
    channel.send(("crashed", "ZeroDivisionError: 读取时出错"))
    channel.close()
