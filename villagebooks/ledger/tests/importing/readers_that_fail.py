"""Stand-ins for the reading process (``python -m`` this module ``FD HOW``) that fail.

No Django here: they fail before it would be set up.
"""

import os
import sys
from multiprocessing.connection import Connection

if __name__ == "__main__":
    channel = Connection(int(sys.argv[1]))
    if sys.argv[2] == "dies_silently":
        os._exit(3)  # as if killed: the pipe closes without a word
    channel.send(("crashed", "ZeroDivisionError: 读取时出错"))
    channel.close()
