"""``villagebooks alert-thresholds (show [--region CODE] | set RULE NAME VALUE --region CODE)``:
the supervision rules' thresholds in force (default, or set by which region, by whom, when), and
a county's change of one (kept with the earlier values, who and when)."""

from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.models import Region
from villagebooks.supervision.thresholds import threshold_set, thresholds_table


class Command(ActorCommand):
    help = "查看或设置监督预警规则的阈值"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="what", required=True)
        show = sub.add_parser("show", help="列出各规则的阈值")
        show.add_argument("--region", default="", help="区划代码（显示该区划生效的取值）")
        change = sub.add_parser("set", help="设置某区划（及其下级）的阈值")
        change.add_argument("rule")
        change.add_argument("name")
        change.add_argument("value")
        change.add_argument("--region", required=True, help="区划代码")

    def handle(self, *args, **options):
        actor = self.actor(options)
        if options["what"] == "set":
            setting = threshold_set(
                actor=actor, rule=options["rule"], name=options["name"], value=options["value"],
                region_code=options["region"],
            )  # fmt: skip
            self.stdout.write(
                f"已设置 {setting.region.name} 的 {setting.rule}.{setting.name} = {setting.value}"
            )
            return
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                from django.core.management.base import CommandError

                raise CommandError(f"区划 {options['region']} 不存在")
        for row in thresholds_table(region):
            source = f"（{row['source'].rsplit('/', 1)[-1]} 设置" if row["source"] else "（默认"
            if row["changed_by"]:
                source += f"，{row['changed_by']} {row['changed_at']:%Y-%m-%d %H:%M}"
            self.stdout.write(f"{row['rule']}.{row['name']} = {row['value']}{source}）")
