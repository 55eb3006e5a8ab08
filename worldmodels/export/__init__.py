"""SavedModels with explicit signatures: V, M, and the whole agent that ships."""
