"""netsite: a job-search network kept as Markdown files, rendered as a static site."""

__version__ = "0.1.0"
