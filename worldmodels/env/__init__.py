"""Environments: the factory, CarRacing's frame preprocessing and fast renderer, and the
exploration policy that collects V's and M's training data."""
