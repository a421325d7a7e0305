"""Quellenchat: answers German or English questions over a folder of documents, citing the exact passages."""

__version__ = "0.1.0"
