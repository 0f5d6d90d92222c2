"""The web kit every blueprint imports (and none copies)."""
