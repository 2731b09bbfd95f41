"""Contracts (合同), fixed-asset cards (资产卡片) and resources (资源台账)."""
