"""First run and settings: what the broadcaster pastes, trying each token, keeping them."""
