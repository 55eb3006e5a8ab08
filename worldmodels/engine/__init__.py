"""The one episode loop (batched policies stepping many environments), the policies it
drives, M's dream, and the scorers that play controllers' episodes on a pool."""
