"""Benchmark baseline: a hello-world Flask route, served with the same gunicorn settings as the tool."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Return a constant string."""
    return "Hello, World!"
