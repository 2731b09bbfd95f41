"""The region tree as far as the caller can see into it."""

from ninja import Field, Query, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.fields import text
from villagebooks.api.selectors import RegionNode, region_tree

router = Router(tags=["行政区划"])


class TreeFilter(Schema):
    root: text(12) = Field("", description="只返回该区划（代码）及其下级")


def _node(node: RegionNode) -> dict:
    return {
        "code": node.code,
        "name": node.name,
        "kind": node.kind,
        "ledgers": node.ledgers,
        "villages": node.villages,
        "children": [_node(child) for child in node.children],
    }


@router.get("/regions", response={200: list[S.RegionOut], **S.ERRORS}, summary="区划树")
def regions(request, filters: Query[TreeFilter]):
    """The regions holding ledgers you may view, with their ancestors, each counting its villages
    (a converted village once) and the ledgers a region report adds up there."""
    return [_node(node) for node in region_tree(request.auth, root=filters.root.strip())]
