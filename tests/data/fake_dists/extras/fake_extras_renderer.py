"""Test fixture: a third-party renderer, one ``code,score`` line per indicator."""

from fake_extras_log import imported

from jixiao import Renderer, hookimpl

imported(__name__)


def render(result, *, lang="zh"):
    lines = ["code,score"] + [f"{leaf.code},{leaf.score}" for leaf in result.leaves()]
    return ("\n".join(lines) + "\n").encode("utf-8")


@hookimpl
def jixiao_renderers():
    return [Renderer(name="fakecsv", title="fake CSV", suffixes=(".fakecsv",), render=render)]
