"""Laboratories: settings compared at equal cost over seeds, built on the stages' own loops
and rules (the search's generation step and hand-on rule), never on copies of them."""
