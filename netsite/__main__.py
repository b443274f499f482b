"""Run netsite as `python -m netsite`."""

from .cli import run

run()
