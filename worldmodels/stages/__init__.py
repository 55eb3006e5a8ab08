"""The six stages as plain functions over directories: what each TFX executor calls.

One module per stage, so a component's code fingerprint (fingerprint.py) covers its own
stage's code and not the others'. Usable without TFX (tests and notebooks call them
directly). Every random source is seeded from the Config, so the same config gives the same
artifacts.
"""
