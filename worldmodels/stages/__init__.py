"""The six stages as plain functions over directories, one module per TFX component with
the component's name, each with one `run` function: what the executor calls.

One module per stage, so a component's code fingerprint covers its own stage's code and not
the others'. Usable without TFX (tests and notebooks call them directly). Every random source
is seeded from the Config, so the same config gives the same artifacts.
"""
