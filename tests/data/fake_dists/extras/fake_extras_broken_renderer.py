"""Test fixture: a renderer whose module fails on import; harmless unless a run asks for it."""

from fake_extras_log import imported

imported(__name__)
raise RuntimeError("fake_extras_broken_renderer was imported")
