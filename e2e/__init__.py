"""End-to-end test: simulator, a real Home Assistant, a real browser."""
