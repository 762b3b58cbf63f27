"""The idea bank: the model of an idea, loading and checking banks, browsing them."""
