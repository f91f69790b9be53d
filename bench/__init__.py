"""agentdb benchmarks (`make bench`): real server, one run, medians and ratios."""
