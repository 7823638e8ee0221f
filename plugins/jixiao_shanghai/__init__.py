"""Built-in packs under Shanghai's 2014 rules (沪财绩〔2014〕22号).

Registered through the ``jixiao.packs`` entry-point group exactly as a third-party pack is.
"""
