"""Renderers for the deliverables evaluation firms hand over (Word, Excel, HTML)."""
