"""The real-Asterisk suite: tests marked ``asterisk`` that run against Asterisk 22 itself."""
