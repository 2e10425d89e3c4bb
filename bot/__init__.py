"""factbot: answers known claims in chat with the documentary record."""

__version__ = "0.1.0"
