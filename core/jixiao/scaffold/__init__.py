"""Templates ``jixiao new-pack`` fills in: an installable pack distribution (see :mod:`jixiao.cli.new_pack`).

Files under ``pack/`` are :class:`string.Template` texts (``$name``, ``$package``…; ``$$`` is a
dollar sign); a ``PACKAGE`` path part becomes the import package name and ``.tmpl`` is dropped.
"""
