"""Test fixture: a renderer for the ``json`` format, which jixiao itself provides."""

from jixiao import Renderer, hookimpl


@hookimpl
def jixiao_renderers():
    return [Renderer(name="json", title="clash", suffixes=(".json",), render=lambda result, lang="zh": b"{}")]
