"""VillageBooks (村账通): the books of many village collectives kept by one agency."""
