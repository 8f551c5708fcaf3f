"""From raw answers to scores: instruments, respondent tables, scoring, monitoring and screening."""
