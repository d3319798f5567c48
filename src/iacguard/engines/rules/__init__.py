"""Rules: their metadata (spec), where they come from (registry) and how they are evaluated."""
