"""``villagebooks assign-helper --village CODE --household NUMBER --name NAME --since YYYY-MM-DD
[--unit UNIT] [--phone PHONE]``: a household's 帮扶责任人 from a date (the previous one's period ends)."""

from datetime import date

from django.core.management.base import CommandError

from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.households import helper_assign
from villagebooks.registry.models import Household


class Command(ActorCommand):
    help = "指定农户的帮扶责任人"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--village", required=True, help="村的区划代码")
        parser.add_argument("--household", required=True, help="户编号")
        parser.add_argument("--name", required=True)
        parser.add_argument("--since", required=True, help="YYYY-MM-DD")
        parser.add_argument("--unit", default="")
        parser.add_argument("--phone", default="")

    def handle(self, *args, **options):
        household = Household.objects.filter(
            village__code=options["village"], number=options["household"]
        ).first()
        if household is None:
            raise CommandError(f"户 {options['household']} 不在村 {options['village']}")
        try:
            since = date.fromisoformat(options["since"])
        except ValueError as error:
            raise CommandError(f"日期无效：{options['since']}") from error
        helper_assign(actor=self.actor(options), household=household, name=options["name"], since=since,
                      unit=options["unit"], phone=options["phone"])  # fmt: skip
        self.stdout.write("已指定帮扶责任人")
