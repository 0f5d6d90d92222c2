"""The domain layer: every rule of the portal lives here; blueprints only parse, call and render."""
