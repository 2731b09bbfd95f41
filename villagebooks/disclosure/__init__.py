"""Public disclosure (村务公开): frozen, checkable snapshots of a village's finances and affairs."""
