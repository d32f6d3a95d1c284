"""The import mapping the CSV drills share: a generic export held by one internal party."""

MAPPING = """
preset = "generic"
source = "drill"
timezone = "UTC"
[parties]
default = "internal"
[[party]]
key = "internal"
name = "Internal IT"
kind = "internal"
"""
