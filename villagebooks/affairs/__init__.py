"""Village affairs (村务管理): members and shares, contracts, assets and resources, decisions."""
