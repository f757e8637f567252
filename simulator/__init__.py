"""A local provider simulator: the fakes of tests/fakes with live synthetic traffic.

A development tool, outside custom_components/: HACS does not install it.
"""
