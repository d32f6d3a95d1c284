"""Reusable widgets that render the models they are given."""
