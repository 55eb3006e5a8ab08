"""V's and M's training loops with their checkpoints, and CMA-ES."""
