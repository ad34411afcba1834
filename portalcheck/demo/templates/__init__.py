"""Page templates of the demo portal (Jinja2), shipped as package data."""
