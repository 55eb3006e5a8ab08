"""Environments built from the games' facts (worldmodels.games): the factory, CarRacing's fast
renderer, VizDoom's adapter, and the exploration policies that collect V's and M's data."""
