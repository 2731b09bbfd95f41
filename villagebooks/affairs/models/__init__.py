"""The village-affairs registers: members, shares and decisions in ``members.py``; contracts,
assets and resources in ``property.py``. Django finds every model through this package."""

from villagebooks.affairs.models.members import *  # noqa: F403
from villagebooks.affairs.models.property import *  # noqa: F403
