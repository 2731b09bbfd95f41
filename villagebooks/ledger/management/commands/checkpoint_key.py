"""``villagebooks checkpoint-key create | rotate | show``: the agency's key that signs checkpoints.

The private key goes to the file ``VILLAGEBOOKS_CHECKPOINT_KEY_FILE`` (default ``var/checkpoint-key.pem``,
mode 0600) and is never printed; the public key and its id are printed and recorded. ``rotate``
is a recorded act: old checkpoints keep verifying with the public key they carry.
"""

from __future__ import annotations

from villagebooks.ledger import checkpoints
from villagebooks.ledger.models import CheckpointKey
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "创建、更换或查看校验点签名密钥（私钥只写入文件，从不显示）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("action", choices=["create", "rotate", "show"])

    def handle(self, *args, action, **options):
        actor = self.actor(options)
        if action == "create":
            info = checkpoints.key_create(actor=actor)
            self.stdout.write(f"已创建签名密钥 {info.key_id}，私钥文件：{info.path}（请离线备份）")
            self.stdout.write(f"公钥：{info.public_key}")
        elif action == "rotate":
            old, info = checkpoints.key_rotate(actor=actor)
            self.stdout.write(f"签名密钥已由 {old} 换为 {info.key_id}；旧校验点仍可用其自带公钥核验")
            self.stdout.write(f"公钥：{info.public_key}")
        else:
            info = checkpoints.current_key()
            self.stdout.write(f"当前签名密钥 {info.key_id}，私钥文件：{info.path}")
            self.stdout.write(f"公钥：{info.public_key}")
            for key in CheckpointKey.objects.order_by("created_at", "id"):
                self.stdout.write(f"  {key.created_at:%Y-%m-%d %H:%M} {key.key_id} {key.public_key}")
