"""Members of the collective, their shares (份额) and members' meetings; decisions (四议两公开)."""
