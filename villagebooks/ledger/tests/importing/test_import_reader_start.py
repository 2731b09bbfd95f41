"""The reading process of an import done apart, when it cannot even start: it tells the writing
process why, and prints no traceback to the user's terminal (the writing process says it once,
in Chinese; see ``importing.apart``)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess

from villagebooks.ledger.importing import apart as import_process


def test_a_reading_process_that_cannot_start_says_why_and_prints_no_traceback():
    channel, reader_end = multiprocessing.Pipe()
    # Settings that do not exist: django.setup() fails in the reading process.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "villagebooks.no_such_settings"}
    reader = subprocess.Popen(
        [*import_process.READER_COMMAND, str(reader_end.fileno())],
        pass_fds=[reader_end.fileno()],
        env=env,
        stderr=subprocess.PIPE,
    )
    reader_end.close()
    channel.send(({}, "zh-hans", 1, "vouchers.csv", True, False))
    kind, report = channel.recv()
    _out, err = reader.communicate(timeout=60)

    assert kind == "crashed" and "no_such_settings" in report
    assert reader.returncode == 1
    assert b"Traceback" not in err

    failed = import_process._reader_failed(report)
    assert [p.field for p in failed.problems] == ["file"]
    message = failed.problems[0].message
    assert message.startswith("读取文件的进程意外结束，未导入任何数据：ModuleNotFoundError")
    assert "\n" not in message
