"""The top of the project: create_pipeline (wiring only), one thin module per orchestrator,
and the `worldmodels` command line."""
