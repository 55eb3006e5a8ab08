"""World Models (Ha & Schmidhuber 2018) as a library: one subpackage per concern, imports
pointing one way (tests/test_layers.py checks it):

env < models < data < training < export < runtime < engine < stages < inspect < lab

The top level holds only small modules that import no TensorFlow (config, games, frames,
seeds, layout, progress, root_lock, scores), which every layer may use.
"""
