"""``villagebooks verify-export LEDGER.zip --checkpoint FILE.json``: check a ledger export (the
ZIP of ``export-ledger``) against a published checkpoint, with no database at all: the checks of
``villagebooks/verify_books.py``, which an auditor can also run alone."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from villagebooks import verify_books


class Command(BaseCommand):
    help = "不连数据库，对照已公布的校验点核验账套导出文件（export-ledger 的 ZIP）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("export", metavar="LEDGER.zip")
        parser.add_argument("--checkpoint", required=True, metavar="FILE.json")

    def handle(self, *args, export, checkpoint, **options):
        try:
            with open(checkpoint, encoding="utf-8") as file:
                published = json.load(file)
            problems = verify_books.verify_export(export, published)
        except (OSError, ValueError, KeyError, TypeError, verify_books.VerificationError) as error:
            raise CommandError(f"核验失败：{error}") from error
        if problems:
            raise CommandError(f"核验失败，发现 {len(problems)} 处问题：\n" + "\n".join(problems))
        self.stdout.write(f"核验通过：{verify_books.short_form(published['body'])}")
