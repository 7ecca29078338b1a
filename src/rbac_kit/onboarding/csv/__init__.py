"""People as CSV: the format and its safety, checked import, export."""
