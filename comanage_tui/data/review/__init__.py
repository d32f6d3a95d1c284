"""The period review's formats: sections.py lays the figures out once; Markdown, HTML and JSON render them."""
