"""Budget classification: the national budget's programme tree and each project's codes."""
