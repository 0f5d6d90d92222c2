"""The demo city: Fuyang's 1+8+N organisation, a category tree, one user per role and historical cases."""
