"""aiev: public API."""
