"""Composite decisions (issue 12): a whole case in a handful of calls."""
