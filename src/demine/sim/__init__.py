"""Generated regions with a known truth, and simulated operations on them."""
