def test_every_public_name_loads_on_first_use():
    """``__all__`` (kept literal for static tools) and the lazy-loading table name the same things."""
    import woundmeasure

    assert set(woundmeasure.__all__) == set(woundmeasure._MODULE_OF) | {"__version__"}
    assert all(getattr(woundmeasure, name) is not None for name in woundmeasure.__all__)
